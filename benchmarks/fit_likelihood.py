"""Exploratory: rerank the pick's candidate sentences by query likelihood
(UPR, Sachan et al. 2022): the model's mean log-probability of the question's
tokens after "Passage: <sentence>\nA question that this passage answers:".

    .venv/bin/python benchmarks/fit_likelihood.py [--model qwen2.5-1.5b] [--every 3]   # ~45 min on 2 cores

The same questions, candidates and split as benchmarks/fit_pick.py (every
--every-th answerable xquad-dev question per language, every answerable news
question; the weight fitted per language on the fitting half, reported on the
held-out half and the news). The candidate chosen is the one with the highest
ranking score + weight x mean log-probability (the pick's rule,
rag.answer.pipeline.pick_index). Not wired into the pipeline:
it needs every position's logits, which the answering model's context does
not keep (logits_all would cost n_ctx x vocabulary floats), so this script
loads its own small-context instance.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from fit_pick import candidate_rows, write_report  # noqa: E402

from rag.core.models import ensure_model  # noqa: E402

PROMPT = "Passage: {sentence}\nA question that this passage answers:"
WEIGHTS = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0)


class Likelihood:
    """Mean log P(question tokens | prompt) from a llama.cpp instance that keeps every position's logits."""

    def __init__(self, model: str) -> None:
        from llama_cpp import Llama

        self.llm = Llama(model_path=str(ensure_model(model)), n_ctx=1024, n_threads=os.cpu_count() or 2, n_batch=512, logits_all=True, verbose=False)

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-1.5b", help="a bundled model key (default qwen2.5-1.5b)")
    parser.add_argument("--every", type=int, default=3, help="every n-th answerable xquad-dev question of each language (default 3)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "likelihood.json"))
    args = parser.parse_args()
    likelihood = Likelihood(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        rows = candidate_rows(Path(tmp), args.every, lambda pairs, question: {"likelihood": [round(likelihood(s.text, question), 4) for _, s in pairs]})
    write_report(args.out, rows, "likelihood", WEIGHTS, "reranked", model=args.model, every=args.every, prompt=PROMPT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
