"""`rag eval`: score retrieval (and, later, answers) on a question file.

The contract is eval/README.md: one JSON question per line; matching is plain
substring containment after `text.normalize`; the report has fixed keys.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rag.core.text import normalize
from rag.search.questions import condense

RANK_DEPTH = 10
LANGS = ("ar", "en")


class EvalFileError(ValueError):
    pass


@dataclass(frozen=True)
class Question:
    id: str
    lang: str
    question: str
    answerable: bool
    answers: tuple[tuple[str, ...], ...] = ()
    evidence: tuple[str, ...] = ()
    docs: tuple[str, ...] = ()
    # Earlier questions of the same conversation, oldest first (eval/README.md).
    history: tuple[str, ...] = ()


def load_questions(path: Path) -> list[Question]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalFileError(f"Cannot read the question file {path}: {exc}") from exc
    questions = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            q = Question(
                id=str(row["id"]),
                lang=row["lang"],
                question=row["question"],
                answerable=bool(row.get("answerable", True)),
                answers=tuple(tuple(group) for group in row.get("answers", [])),
                evidence=tuple(row.get("evidence", [])),
                docs=tuple(row.get("docs", [])),
                history=tuple(str(h) for h in row.get("history", [])),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise EvalFileError(f"{path}, line {n}: not a valid question ({exc!r})") from exc
        if q.lang not in LANGS:
            raise EvalFileError(f"{path}, line {n}: lang must be 'ar' or 'en', not {q.lang!r}")
        questions.append(q)
    if not questions:
        raise EvalFileError(f"The question file {path} holds no questions.")
    return questions


def contains_any(text: str, alternatives: tuple[str, ...] | list[str]) -> bool:
    haystack = normalize(text)
    return any(normalize(alt) in haystack for alt in alternatives if alt.strip())


def answer_is_correct(answer: str, groups: tuple[tuple[str, ...], ...]) -> bool:
    """Every group must have at least one alternative in the answer."""
    return bool(groups) and all(contains_any(answer, group) for group in groups)


def supporting_ranks(passages: list, evidence: tuple[str, ...]) -> list[int]:
    """1-based ranks (within the first RANK_DEPTH) of passages containing evidence."""
    return [i for i, p in enumerate(passages[:RANK_DEPTH], 1) if contains_any(p.text, evidence)]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return round(ordered[index], 1)


def answering_sentence(sentences: list, groups: tuple[tuple[str, ...], ...]) -> int | None:
    """1-based rank of the first sentence that holds the answer (every group), or None."""
    return next((n for n, s in enumerate(sentences, 1) if answer_is_correct(s.text, groups)), None)


def retrieval_metrics(rows: list[dict]) -> dict:
    def block(selected: list[dict]) -> dict:
        if not selected:
            return {"recall@5": 0.0, "mrr@10": 0.0, "sentence@1": 0.0, "sentence@3": 0.0}
        recall = sum(1 for r in selected if r["ranks"] and r["ranks"][0] <= 5) / len(selected)
        mrr = statistics.fmean(1 / r["ranks"][0] if r["ranks"] else 0.0 for r in selected)
        at = {f"sentence@{k}": round(sum(1 for r in selected if r.get("sentence") and r["sentence"] <= k) / len(selected), 4) for k in (1, 3)}
        return {"recall@5": round(recall, 4), "mrr@10": round(mrr, 4), **at}

    answerable = [r for r in rows if r["answerable"]]
    return {**{lang: block([r for r in answerable if r["lang"] == lang]) for lang in LANGS}, "all": block(answerable)}


def run_retrieval_eval(
    questions: list[Question],
    retrieve: Callable[[str, int], list],
    config: dict,
    top_k: int = 5,
    rank_sentences: Callable[[str, list], list] | None = None,
) -> dict:
    """Retrieval-only report. `retrieve(question, k)` returns passages best
    first; `rank_sentences(question, passages)` the sentences of the top_k
    passages, best first (sentence@1 and @3; 0 without it)."""
    retrieve(questions[0].question, RANK_DEPTH)  # warm the model and caches, not timed
    rows, latencies = [], []
    for q in questions:
        started = time.perf_counter()
        # A follow-up is searched as the conversation would search it; without
        # the answers, which retrieval-only evaluation does not make.
        passages = retrieve(condense(q.question, [(h, "") for h in q.history]), RANK_DEPTH)
        latencies.append((time.perf_counter() - started) * 1000)
        sentences = rank_sentences(q.question, passages[:top_k]) if rank_sentences and q.answerable else []
        rows.append(
            {
                "id": q.id,
                "lang": q.lang,
                "answerable": q.answerable,
                "ranks": supporting_ranks(passages, q.evidence) if q.answerable else [],
                "sentence": answering_sentence(sentences, q.answers) if sentences else None,
                "retrieved": [p.chunk_id for p in passages[:top_k]],
            }
        )
    return {
        "questions": len(questions),
        "config": {**config, "top_k": top_k},
        "retrieval": retrieval_metrics(rows),
        "latency_ms": {"retrieve_p50": percentile(latencies, 50), "retrieve_p95": percentile(latencies, 95)},
        "per_question": [{"id": r["id"], "ranks": r["ranks"], "sentence": r["sentence"], "retrieved": r["retrieved"]} for r in rows],
    }


def answer_metrics(rows: list[dict]) -> dict:
    """The answers block of the report from per-question rows (see eval/README.md)."""

    def block(selected: list[dict]) -> dict:
        answerable = [r for r in selected if r["answerable"]]
        correct = [r for r in answerable if r["correct"]]
        cited = [ok for r in answerable for ok in r["cited_support"]]
        return {
            "answer_accuracy": _share(len(correct), len(answerable)),
            "citation_precision": _share(sum(cited), len(cited)),
            "citation_coverage": _share(sum(1 for r in correct if any(r["cited_support"])), len(correct)),
            "language_match": _share(sum(1 for r in selected if r["language_ok"]), len(selected)),
        }

    unanswerable = [r for r in rows if not r["answerable"]]
    answerable = [r for r in rows if r["answerable"]]
    return {
        **{lang: block([r for r in rows if r["lang"] == lang]) for lang in LANGS},
        "all": block(rows),
        "abstention_accuracy": _share(sum(1 for r in unanswerable if r["abstained"]), len(unanswerable)),
        "false_abstention": _share(sum(1 for r in answerable if r["abstained"]), len(answerable)),
    }


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def judge_answer(q: Question, answer) -> dict:
    """Score one Answer (rag.answer.Answer) against its question."""
    from rag.answer.guard import strip_markers
    from rag.core.text import detect_language, has_letters

    abstained = bool(answer.abstained)
    correct = q.answerable and not abstained and answer_is_correct(answer.text, q.answers)
    body = strip_markers(answer.text)
    return {
        "id": q.id,
        "lang": q.lang,
        "answerable": q.answerable,
        "answer": answer.text,
        "cited": [c.n for c in answer.citations],
        "abstained": abstained,
        "correct": bool(correct),
        "cited_support": [contains_any(c.text, q.evidence) for c in answer.citations] if q.answerable else [],
        # An answer with no words ("85 [1].") is in no language and so in any.
        "language_ok": detect_language(body) == q.lang if has_letters(body) else True,
        "extractive": bool(getattr(answer, "extractive", False)),
        "support": getattr(answer, "support", None),
        "notices": [getattr(n, "code", n) for n in answer.notices],
        "timings": dict(answer.timings),
    }


def run_answer_eval(questions: list[Question], ask: Callable[..., object], progress: bool = False) -> tuple[dict, list[dict], dict]:
    """Ask every question (`ask(question, history)`, history a list of
    (question, answer) pairs); return (answers block, per-question rows,
    latency figures). A follow-up's earlier questions are asked first, in
    order, the answers becoming its history; only the last answer is judged."""
    from tqdm import tqdm

    rows = [judge_answer(q, ask(q.question, _conversation(q, ask))) for q in tqdm(questions, desc="Answering", disable=not progress)]
    first = [r["timings"]["first_token_ms"] for r in rows if "first_token_ms" in r["timings"]]
    total = [r["timings"].get("answer_ms", r["timings"].get("extractive_ms", 0.0)) for r in rows]
    latency = {"first_token_p50": percentile(first, 50), "answer_p50": percentile(total, 50), "answer_p95": percentile(total, 95)}
    return answer_metrics(rows), rows, latency


def _conversation(q: Question, ask: Callable[..., object]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for earlier in q.history:
        pairs.append((earlier, ask(earlier, list(pairs)).text))  # type: ignore[attr-defined]
    return pairs


def format_table(report: dict) -> str:
    lines = [f"{'':6}{'recall@5':>10}{'mrr@10':>9}{'sent@1':>9}{'sent@3':>9}"]
    for lang in (*LANGS, "all"):
        m = report["retrieval"][lang]
        lines.append(f"{lang:6}{m['recall@5']:>10.3f}{m['mrr@10']:>9.3f}{m['sentence@1']:>9.3f}{m['sentence@3']:>9.3f}")
    lat = report["latency_ms"]
    lines.append(f"retrieve latency p50 {lat['retrieve_p50']} ms, p95 {lat['retrieve_p95']} ms ({report['questions']} questions)")
    if "answers" in report:
        a = report["answers"]
        lines.append(f"{'':6}{'accuracy':>10}{'cit.prec':>10}{'cit.cov':>9}{'lang':>7}")
        for lang in (*LANGS, "all"):
            m = a[lang]
            lines.append(f"{lang:6}{m['answer_accuracy']:>10.3f}{m['citation_precision']:>10.3f}{m['citation_coverage']:>9.3f}{m['language_match']:>7.3f}")
        lines.append(f"abstention accuracy {a['abstention_accuracy']:.3f}, false abstention {a['false_abstention']:.3f}")
        lines.append(f"first token p50 {lat.get('first_token_p50', 0)} ms, answer p50 {lat['answer_p50']} ms, p95 {lat['answer_p95']} ms")
    return "\n".join(lines)
