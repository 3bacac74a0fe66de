"""Fit the model's pick of the answering sentence (settings.pick, pick_weight)
on xquad-dev, per question language, beside the ranking's own pick.

    .venv/bin/python benchmarks/fit_pick.py [--model qwen2.5-1.5b] [--every 3]   # ~30 min on 2 cores

For every --every-th answerable question of eval/xquad-dev (per language:
questions.jsonl alternates ar / en) and every answerable question of
eval/dev.jsonl: the verified answer (answer.pipeline.verified_answer, no
model), its pick candidates (answer.pipeline.pick_candidates: it and the next
best full sentences) with their ranking scores, and the model's P(yes) that
each, read alone, answers the question. A candidate is right when it holds an
answer alternative (as sentence@k in `rag eval`).

The weight is fitted per language on the fitting half of xquad-dev (the
questions of every other article in name order, bench_retrieval.split_by_article),
the highest share right first and the smallest weight on ties; it is reported
on the held-out half and on the news questions beside the verified answer,
the weight 0 (the ranking alone, without the kind rule's preference) and the model's P(yes) alone, on the same
questions. The pick is on by default for a language (config.GENERATE_BY_DEFAULT)
only when it beats the verified answer on both the held-out half and the news.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_retrieval import split_by_article  # noqa: E402

from rag.answer.evidence import select_evidence  # noqa: E402
from rag.answer.llm import LLM, load_llm  # noqa: E402
from rag.answer.pipeline import pick_candidates, pick_index, pick_shares, verified_answer  # noqa: E402
from rag.app import api  # noqa: E402
from rag.app.evaluation import answer_is_correct, load_questions  # noqa: E402
from rag.core.config import Settings  # noqa: E402

EVAL = ROOT / "eval"
SETS = {"news": (ROOT / "seeds", EVAL / "dev.jsonl"), "xquad": (EVAL / "xquad-dev" / "seeds", EVAL / "xquad-dev" / "questions.jsonl")}
WEIGHTS = (0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)
ALONE = 1000.0  # a weight at which the ranking only breaks the model's ties


def measure(tmp: Path, llm: LLM, every: int) -> list[dict]:
    return candidate_rows(tmp, every, lambda pairs, question: {"yes": [round(p, 4) for p in pick_shares(llm, pairs, question, "")]})


def candidate_rows(tmp: Path, every: int, judge: Callable[[list, str], dict]) -> list[dict]:
    """One row per question: its pick candidates, which hold an answer, their
    ranking scores and what `judge(candidates, question)` adds, timed."""
    rows = []
    for name, (seeds, path) in SETS.items():
        settings = Settings.from_env(seeds_dir=seeds, index_dir=tmp / name, llm="none")
        api.build_index(settings=settings, progress=True)
        retriever = api.ENGINE.retriever(settings)
        questions = load_questions(path)
        fitting = {q.id for q in split_by_article(questions)["fit"]}
        seen: dict[str, int] = {}
        for q in questions:
            i = seen[q.lang] = seen.get(q.lang, -1) + 1
            if not q.answerable or (name == "xquad" and i % every):
                continue
            passages = retriever.retrieve(q.question, settings.top_k)
            evidence = select_evidence(passages, retriever.sentence_scores(passages, q.question), settings)
            verified = verified_answer(evidence, q.question)
            pairs = pick_candidates(evidence, verified, q.question) if verified else []
            started = time.perf_counter()
            extra = judge(pairs, q.question)
            part = "news" if name == "news" else ("fit" if q.id in fitting else "held-out")
            rows.append(
                {
                    "id": q.id,
                    "lang": q.lang,
                    "part": part,
                    "right": [answer_is_correct(s.text, q.answers) for _, s in pairs],
                    "score": [round(s.score, 4) for _, s in pairs],
                    **extra,
                    "seconds": round(time.perf_counter() - started, 2),
                }
            )
            print(f"{len(rows):4} {q.id} {rows[-1]['right']} {extra}", flush=True)
    return rows


def picked(row: dict, weight: float | None, signal: str = "yes") -> int:
    """The candidate the rule picks with the model's `signal`; weight None: the verified answer (the first)."""
    return 0 if weight is None else pick_index(row["score"], row[signal], weight)


def right_share(rows: list[dict], weight: float | None, signal: str = "yes") -> float:
    return round(sum(bool(r["right"]) and r["right"][picked(r, weight, signal)] for r in rows) / len(rows), 4) if rows else 0.0


def write_report(path: str, rows: list[dict], signal: str, weights: tuple[float, ...], rule: str, **about: object) -> None:
    """Fit the weight of `signal` per language on the fitting half (the highest
    share right first, the smallest weight on ties), report it on the held-out
    half and the news beside the verified answer, the ranking alone and the
    signal alone, and write the report with every question's row to `path`."""
    report: dict = {"time": time.strftime("%Y-%m-%d"), **about, "languages": {}}
    for lang in ("ar", "en"):
        parts = {part: [r for r in rows if r["lang"] == lang and r["part"] == part] for part in ("fit", "held-out", "news")}
        weight = max(weights, key=lambda w: (right_share(parts["fit"], w, signal), -w))
        figures = {
            "weight": weight,
            "questions": {part: len(rs) for part, rs in parts.items()},
            "seconds_p50": statistics.median(r["seconds"] for rs in parts.values() for r in rs),
            "any_candidate_right": {part: round(sum(any(r["right"]) for r in rs) / len(rs), 4) for part, rs in parts.items() if rs},
        }
        for name, w in (("verified", None), ("ranking alone", 0.0), (rule, weight), ("model alone", ALONE)):
            figures[name] = {part: right_share(rs, w, signal) for part, rs in parts.items()}
        figures["by_weight_fit"] = {str(w): right_share(parts["fit"], w, signal) for w in weights}
        report["languages"][lang] = figures
        print(lang, json.dumps(figures), flush=True)
    report["per_question"] = rows
    Path(path).write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-1.5b", help="a bundled model key (default qwen2.5-1.5b)")
    parser.add_argument("--every", type=int, default=3, help="every n-th answerable xquad-dev question of each language (default 3)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "pick.json"))
    args = parser.parse_args()
    llm = load_llm(Settings.from_env(llm="local", llm_model=args.model))
    with tempfile.TemporaryDirectory() as tmp:
        rows = measure(Path(tmp), llm, args.every)
    write_report(args.out, rows, "yes", WEIGHTS, "pick", model=args.model, every=args.every)
    return 0


if __name__ == "__main__":
    sys.exit(main())
