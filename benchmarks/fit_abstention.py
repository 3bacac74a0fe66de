"""Fit the abstention thresholds (settings.support_threshold_ar / _en) on
hundreds of answerable questions and our unanswerable ones.

    .venv/bin/python benchmarks/fit_abstention.py [--out benchmarks/results/abstention.json]

For every question: the support (cosine of the question to the closest
retrieved sentence) and whether the evidence holds the number or date a
"how many" / "when" question asks for (answer.holds_kind). Per language, the
threshold is the highest one that keeps false abstention <= 0.10 on the fitting
half of eval/xquad-dev (the questions of every other article in name order, as
in bench_retrieval.py); reported on the other half, on eval/dev.jsonl with our
news follow-ups, and on eval/own/unanswerable-*.jsonl.
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
from rag.answer.pipeline import holds_kind  # noqa: E402
from rag.app import api  # noqa: E402
from rag.app.evaluation import load_questions  # noqa: E402
from rag.core.config import Settings  # noqa: E402

EVAL = ROOT / "eval"
SETS = {
    "news": (ROOT / "seeds", [EVAL / "dev.jsonl", EVAL / "own" / "unanswerable-news.jsonl"]),
    "xquad": (EVAL / "xquad-dev" / "seeds", [EVAL / "xquad-dev" / "questions.jsonl", EVAL / "own" / "unanswerable-xquad.jsonl"]),
}
MAX_FALSE_ABSTENTION = 0.10


def measure(tmp: Path) -> list[dict]:
    rows = []
    for name, (seeds, files) in SETS.items():
        settings = Settings.from_env(seeds_dir=seeds, index_dir=tmp / name, llm="none")
        api.build_index(settings=settings, progress=True)
        retriever = api.ENGINE.retriever(settings)
        for path in files:
            for q in load_questions(path):
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
    return rows


def part(row: dict, fitting_docs: set[str]) -> str:
    if row["set"] == "news":
        return "news"
    if not row["answerable"]:
        return "unanswerable-xquad"
    return "fit" if row["doc"] in fitting_docs else "held-out"


def abstains(row: dict, threshold: float) -> bool:
    return row["support"] < threshold or not row["kind_ok"]


def share(rows: list[dict], threshold: float) -> float:
    return round(sum(abstains(r, threshold) for r in rows) / len(rows), 4) if rows else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "abstention.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = measure(Path(tmp))
    docs = sorted({r["doc"] for r in rows if r["set"] == "xquad" and r["answerable"]})
    fitting = set(docs[0::2])
    report: dict = {"time": time.strftime("%Y-%m-%d"), "max_false_abstention": MAX_FALSE_ABSTENTION, "languages": {}}
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
        report["languages"][lang] = figures
        print(lang, json.dumps(figures))
    report["per_question"] = rows
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
