"""Exploratory: rerank the pick's candidate sentences by query likelihood
(UPR, Sachan et al. 2022): the model's mean log-probability of the question's
tokens after "Passage: <sentence>\nA question that this passage answers:".

    .venv/bin/python benchmarks/fit_likelihood.py [--model qwen2.5-1.5b] [--every 3]   # ~45 min on 2 cores

The same questions, candidates and split as benchmarks/fit_pick.py (every
--every-th answerable xquad-dev question per language, every answerable news
question; the weight fitted per language on the fitting half, reported on the
held-out half and the news). The candidate chosen is the one with the highest
ranking score + weight x mean log-probability. Not wired into the pipeline:
it needs every position's logits, which the answering model's context does
not keep (logits_all would cost n_ctx x vocabulary floats), so this script
loads its own small-context instance.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from fit_pick import candidate_rows  # noqa: E402

from rag.core.models import ensure_model  # noqa: E402

PROMPT = "Passage: {sentence}\nA question that this passage answers:"
WEIGHTS = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0)
ALONE = 1000.0


class Likelihood:
    """Mean log P(question tokens | prompt) from a llama.cpp instance that keeps every position's logits."""

    def __init__(self, model: str) -> None:
        from llama_cpp import Llama

        self.llm = Llama(model_path=str(ensure_model(model)), n_ctx=1024, n_threads=2, n_batch=512, logits_all=True, verbose=False)

    def __call__(self, sentence: str, question: str) -> float:
        prefix = self.llm.tokenize(PROMPT.format(sentence=sentence).encode(), add_bos=True, special=False)
        target = self.llm.tokenize((" " + question).encode(), add_bos=False, special=False)
        tokens = (prefix + target)[-1000:]
        start = len(tokens) - len(target)
        self.llm.reset()
        self.llm.eval(tokens)
        logits = np.asarray(self.llm.scores[start - 1 : len(tokens) - 1], dtype=np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        logprobs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        return float(logprobs[np.arange(len(target)), target].mean())


def measure(tmp: Path, likelihood: Likelihood, every: int) -> list[dict]:
    return candidate_rows(tmp, every, lambda pairs, question: {"likelihood": [round(likelihood(s.text, question), 4) for _, s in pairs]})


def right_share(rows: list[dict], weight: float | None) -> float:
    """Share whose chosen candidate holds the answer; weight None: the verified answer (the first)."""

    def chosen(r: dict) -> int:
        if weight is None:
            return 0
        return max(range(len(r["score"])), key=lambda k: r["score"][k] + weight * r["likelihood"][k])

    return round(sum(bool(r["right"]) and r["right"][chosen(r)] for r in rows) / len(rows), 4) if rows else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-1.5b", help="a bundled model key (default qwen2.5-1.5b)")
    parser.add_argument("--every", type=int, default=3, help="every n-th answerable xquad-dev question of each language (default 3)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "likelihood.json"))
    args = parser.parse_args()
    likelihood = Likelihood(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        rows = measure(Path(tmp), likelihood, args.every)
    report: dict = {"time": time.strftime("%Y-%m-%d"), "model": args.model, "every": args.every, "prompt": PROMPT, "languages": {}}
    for lang in ("ar", "en"):
        parts = {part: [r for r in rows if r["lang"] == lang and r["part"] == part] for part in ("fit", "held-out", "news")}
        weight = max(WEIGHTS, key=lambda w: (right_share(parts["fit"], w), -w))
        figures: dict = {
            "weight": weight,
            "questions": {part: len(rs) for part, rs in parts.items()},
            "seconds_p50": statistics.median(r["seconds"] for rs in parts.values() for r in rs),
        }
        for rule, w in (("verified", None), ("reranked", weight), ("model alone", ALONE)):
            figures[rule] = {part: right_share(rs, w) for part, rs in parts.items()}
        figures["by_weight_fit"] = {str(w): right_share(parts["fit"], w) for w in WEIGHTS}
        report["languages"][lang] = figures
        print(lang, json.dumps(figures), flush=True)
    report["per_question"] = rows
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
