"""Fit the abstention thresholds (settings.support_threshold_ar / _en) on
hundreds of answerable questions and our unanswerable ones.

    .venv/bin/python benchmarks/fit_abstention.py [--out benchmarks/results/abstention.json]
    .venv/bin/python benchmarks/fit_abstention.py --judge qwen2.5-1.5b --judge-every 6   # ~75 min on 2 cores
    .venv/bin/python benchmarks/fit_abstention.py --judge qwen2.5-1.5b --judge-every 6 --signal pick   # ~60 min
    .venv/bin/python benchmarks/fit_abstention.py --judge qwen2.5-1.5b --judge-every 4 --signal likelihood --languages en   # ~30 min

For every question: the support (cosine of the question to the closest
retrieved sentence) and whether the evidence holds the number or date a
"how many" / "when" question asks for (answer.holds_kind). Per language, the
threshold is the highest one that keeps false abstention <= 0.10 on the fitting
half of eval/xquad-dev (the questions of every other article in name order, as
in bench_retrieval.py); reported on the other half, on eval/dev.jsonl with our
news follow-ups, and on eval/own/unanswerable-*.jsonl.

With --judge MODEL (a bundled model key), the model is also asked whether the
best sentences answer each question (answer.pipeline.answerability) for the
unanswerable questions, the news questions and every --judge-every-th xquad-dev
question of each language; its threshold is the highest P(yes) that keeps
false abstention <= 0.10 on the fitting half, beside the fitted similarity
threshold or alone, and the rules are reported side by side on the same
questions (no unanswerable question is fitted on).

With --signal pick, the model's signal is the pick's instead (settings.pick):
the highest P(yes) among the pick's candidates, each sentence read alone
(the second value of answer.pipeline.model_pick), fitted and reported the same way.
With --signal likelihood, it is the rerank's lift (settings.rerank): how much
more likely the likeliest of the pick's candidates makes the question than no
sentence (mean log-probability per token, answer.pipeline.question_likelihood
after each and after an empty passage). --languages en judges the English
questions only (the bundled model reranks only those).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.answer.evidence import select_evidence, support  # noqa: E402
from rag.answer.llm import LLM  # noqa: E402
from rag.answer.pipeline import answerability, holds_kind, model_pick, pick_candidates, question_likelihood, verified_answer  # noqa: E402
from rag.app import api  # noqa: E402
from rag.app.evaluation import load_questions  # noqa: E402
from rag.core.config import Settings  # noqa: E402

EVAL = ROOT / "eval"
SETS = {
    "news": (ROOT / "seeds", [EVAL / "dev.jsonl", EVAL / "own" / "unanswerable-news.jsonl"]),
    "xquad": (EVAL / "xquad-dev" / "seeds", [EVAL / "xquad-dev" / "questions.jsonl", EVAL / "own" / "unanswerable-xquad.jsonl"]),
}
MAX_FALSE_ABSTENTION = 0.10


def measure(tmp: Path, judge: LLM | None = None, every: int = 4, signal: str = "judge", languages: tuple[str, ...] = ("ar", "en")) -> list[dict]:
    rows = []
    for name, (seeds, files) in SETS.items():
        settings = Settings.from_env(seeds_dir=seeds, index_dir=tmp / name, llm="none")
        api.build_index(settings=settings, progress=True)
        retriever = api.ENGINE.retriever(settings)
        for path in files:
            seen: dict[str, int] = {}  # per language: questions.jsonl alternates ar / en
            for q in load_questions(path):
                i = seen[q.lang] = seen.get(q.lang, -1) + 1
                passages = retriever.retrieve(q.question, settings.top_k)
                scores = retriever.sentence_scores(passages, q.question)
                evidence = select_evidence(passages, scores, settings)
                doc = q.docs[0] if q.docs else ""
                rows.append(
                    {
                        "id": q.id,
                        "lang": q.lang,
                        "answerable": q.answerable,
                        "set": name,
                        "doc": doc,
                        "support": round(support(scores), 4),
                        "kind_ok": holds_kind(evidence, q.question),
                    }
                )
                if judge is not None and q.lang in languages and (name == "news" or not q.answerable or i % every == 0):
                    rows[-1]["judge"] = round(model_signal(judge, evidence, q.question, signal), 4) if evidence else 0.0
    return rows


def model_signal(llm: LLM, evidence: list, question: str, signal: str) -> float:
    """The check's P(yes) for the best sentences read together, the pick's
    highest P(yes) among its candidates read one by one, or the rerank's lift."""
    if signal == "judge":
        return answerability(llm, evidence, question)
    verified = verified_answer(evidence, question)
    if verified is None:
        return 0.0
    if signal == "likelihood":
        pairs = pick_candidates(evidence, verified, question)
        return max(question_likelihood(llm, s.text, question) for _, s in pairs) - question_likelihood(llm, "", question)
    return model_pick(llm, evidence, verified, question, "", Settings().pick_weight)[1]


def part(row: dict, fitting_docs: set[str]) -> str:
    if row["set"] == "news":
        return "news"
    if not row["answerable"]:
        return "unanswerable-xquad"
    return "fit" if row["doc"] in fitting_docs else "held-out"


def abstains(row: dict, threshold: float, judge: float | None = None) -> bool:
    return row["support"] < threshold or not row["kind_ok"] or (judge is not None and row["judge"] < judge)


def share(rows: list[dict], threshold: float, judge: float | None = None) -> float:
    return round(sum(abstains(r, threshold, judge) for r in rows) / len(rows), 4) if rows else 0.0


def fit_judge(groups: dict[str, list[dict]], threshold: float, thresholds: list[float]) -> dict:
    """The judge's threshold on the judged questions, for two rules: with the
    fitted similarity threshold, and with the judge alone (similarity 0); each
    the highest P(yes) that keeps false abstention <= MAX on the fitting half,
    so no unanswerable question is fitted on. Reported side by side with
    similarity alone, on the same judged questions."""
    judged = {name: [r for r in rows if "judge" in r] for name, rows in groups.items()}
    fit = judged["fit"]

    def highest(similarity: float) -> float:
        return max((t for t in thresholds if share(fit, similarity, t) <= MAX_FALSE_ABSTENTION), default=thresholds[0])

    figures: dict = {"questions": {name: len(rows) for name, rows in judged.items()}}
    for rule, similarity, judge in (
        ("similarity", threshold, None),
        ("similarity and judge", threshold, highest(threshold)),
        ("judge alone", 0.0, highest(0.0)),
    ):
        figures[rule] = {
            "similarity_threshold": similarity,
            "judge_threshold": judge,
            "false_abstention_fit": share(fit, similarity, judge),
            "false_abstention_held_out": share(judged["held-out"], similarity, judge),
            "false_abstention_news": share([r for r in judged["news"] if r["answerable"]], similarity, judge),
            "abstention_news": share([r for r in judged["news"] if not r["answerable"]], similarity, judge),
            "abstention_xquad": share(judged["unanswerable-xquad"], similarity, judge),
        }
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="the report (default benchmarks/results/abstention.json, or abstention_SIGNAL.json with --judge)")
    parser.add_argument("--judge", metavar="MODEL", help="also fit the model's answerability check (a bundled model key, e.g. qwen2.5-1.5b)")
    parser.add_argument("--judge-every", type=int, default=4, help="judge every n-th answerable xquad-dev question (default 4)")
    parser.add_argument(
        "--signal", choices=("judge", "pick", "likelihood"), default="judge", help="the check's P(yes) (default), the pick's highest, or the rerank's lift"
    )
    parser.add_argument("--languages", default="ar,en", help="judge the questions of these languages (default ar,en)")
    args = parser.parse_args()
    languages = tuple(args.languages.split(","))
    args.out = args.out or str(ROOT / "benchmarks" / "results" / (f"abstention_{args.signal}.json" if args.judge else "abstention.json"))
    judge = None
    if args.judge:
        from rag.answer.llm import load_llm

        judge = load_llm(Settings.from_env(llm="local", llm_model=args.judge))
    with tempfile.TemporaryDirectory() as tmp:
        rows = measure(Path(tmp), judge, args.judge_every, args.signal, languages)
    docs = sorted({r["doc"] for r in rows if r["set"] == "xquad" and r["answerable"]})
    fitting = set(docs[0::2])
    report: dict = {
        "time": time.strftime("%Y-%m-%d"),
        "max_false_abstention": MAX_FALSE_ABSTENTION,
        "judge": args.judge,
        "signal": args.signal,
        "languages": {},
    }
    for lang in ("ar", "en"):
        mine = [r for r in rows if r["lang"] == lang]
        groups: dict[str, list[dict]] = {}
        for r in mine:
            groups.setdefault(part(r, fitting), []).append(r)
        fit = groups["fit"]
        candidates = [t / 1000 for t in range(700, 900, 5)]
        chosen = max((t for t in candidates if share(fit, t) <= MAX_FALSE_ABSTENTION), default=candidates[0])
        figures = {
            "threshold": chosen,
            "false_abstention_fit": share(fit, chosen),
            "false_abstention_held_out": share(groups["held-out"], chosen),
            "false_abstention_news": share([r for r in groups["news"] if r["answerable"]], chosen),
            "abstention_news": share([r for r in groups["news"] if not r["answerable"]], chosen),
            "abstention_xquad": share(groups["unanswerable-xquad"], chosen),
        }
        if judge is not None and lang in languages:
            # P(yes) lies in [0, 1]; the lift is a difference of mean log-probabilities.
            thresholds = [t / 100 for t in range(100)] if args.signal != "likelihood" else [t / 20 for t in range(-20, 61)]
            figures["judge"] = fit_judge(groups, chosen, thresholds)
        report["languages"][lang] = figures
        print(lang, json.dumps(figures))
    report["per_question"] = rows
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
