"""Exploratory: rerank the pick's candidate sentences by query likelihood
(UPR, Sachan et al. 2022): the model's mean log-probability of the question's
tokens after "Passage: <sentence>\nA question that this passage answers:".

    .venv/bin/python benchmarks/fit_likelihood.py [--model qwen2.5-1.5b] [--every 3]   # ~45 min on 2 cores

The same questions, candidates and split as benchmarks/fit_pick.py (every
--every-th answerable xquad-dev question per language, every answerable news
question; the weight fitted per language on the fitting half, reported on the
held-out half and the news). The candidate chosen is the one with the highest
ranking score + weight x mean log-probability (the pick's rule,
rag.answer.pipeline.pick_index), as RAG_RERANK=on does with the fitted weights
(rerank_weight_ar / _en); its end-to-end effect on the answers is
bench_answers.py's "local-1.5b-rerank" row.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from fit_pick import candidate_rows, write_report  # noqa: E402

from rag.answer.llm import LocalLLM  # noqa: E402
from rag.answer.pipeline import question_likelihood  # noqa: E402
from rag.answer.prompts import likelihood_prompt  # noqa: E402
from rag.core.models import ensure_model  # noqa: E402

WEIGHTS = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-1.5b", help="a bundled model key (default qwen2.5-1.5b)")
    parser.add_argument("--every", type=int, default=3, help="every n-th answerable xquad-dev question of each language (default 3)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "likelihood.json"))
    args = parser.parse_args()
    llm = LocalLLM(ensure_model(args.model), 2048, os.cpu_count() or 2)
    with tempfile.TemporaryDirectory() as tmp:
        rows = candidate_rows(
            Path(tmp), args.every, lambda pairs, question: {"likelihood": [round(question_likelihood(llm, s.text, question), 4) for _, s in pairs]}
        )
    write_report(args.out, rows, "likelihood", WEIGHTS, "reranked", model=args.model, every=args.every, prompt=likelihood_prompt("{sentence}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
