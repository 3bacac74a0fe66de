"""Scale: synthetic corpora of 1k, 10k and 100k passages derived from the seeds.

    .venv/bin/python benchmarks/bench_scale.py [--sizes 1000,10000,100000]
        [--real-embedding-up-to 1000] [--out benchmarks/results/scale.json]

Articles are made of the seed articles' sentences, shuffled, under new ids.
Each size is built and searched in its own process (clean memory figures):
indexing throughput, retrieval p50/p95 over the dev questions, index size on
disk, resident memory with the index loaded, and the BM25 index's own memory.

Embedding is the dominant cost of indexing on a CPU. Up to
--real-embedding-up-to passages every sentence is embedded for real; beyond it
the seed sentences' vectors are computed once and looked up (the corpus reuses
the same sentences), so the figures show everything else the indexer and
retriever do at that size, and the report gives the embedding time separately.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.app.evaluation import percentile  # noqa: E402
from tests.servers import memory_mb  # noqa: E402

SENTENCES_PER_ARTICLE = 12


def sentence_pool() -> list[str]:
    from rag.core.text import sentence_spans
    from rag.ingest.reader import load_documents

    docs, _ = load_documents(ROOT / "seeds")
    pool = {d.text[a:b] for d in docs for a, b in sentence_spans(d.text) if len(d.text[a:b].split()) >= 6}
    return sorted(pool)


def write_corpus(folder: Path, passages: int, pool: list[str]) -> int:
    """Articles of shuffled seed sentences until they make `passages` passages."""
    from rag.ingest.chunking import chunk_document
    from rag.ingest.reader import load_document

    rng = random.Random(0)
    total, n = 0, 0
    while total < passages:
        sentences = rng.sample(pool, SENTENCES_PER_ARTICLE)
        text = f"مقال تجريبي رقم {n}\n\n" + "\n".join(sentences) + "\n"
        path = folder / f"{n // 1000:03d}" / f"article_{n:06d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        doc, _ = load_document(path, folder)
        total += len(chunk_document(doc)) if doc else 0
        n += 1
    return n


class CachedEmbedding:
    """Looks up vectors of sentences embedded before; embeds the rest for real."""

    def __init__(self, model, pool: list[str], batch: int) -> None:
        self.model = model
        self.real_batch = model.get_text_embedding_batch
        started = time.perf_counter()
        self.cache = dict(zip(pool, self._embed(pool, batch)))
        self.pool_seconds = time.perf_counter() - started
        self.misses = 0

    def _embed(self, texts: list[str], batch: int) -> list:
        out = []
        for i in range(0, len(texts), batch):
            out.extend(self.real_batch(texts[i : i + batch]))
        return out

    def __call__(self, texts: list[str], **kwargs) -> list:
        missing = [t for t in texts if t not in self.cache]
        if missing:
            self.misses += len(missing)
            self.cache.update(zip(missing, self.real_batch(missing)))
        return [self.cache[t] for t in texts]


def one_size(passages: int, real_embedding: bool) -> dict:
    from rag.app import api
    from rag.app.evaluation import load_questions
    from rag.core.config import Settings
    from rag.index.embeddings import get_embedding
    from rag.index.lexical import LexicalIndex
    from rag.index.store import read_manifest

    pool = sentence_pool()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        articles = write_corpus(tmp / "seeds", passages, pool)
        settings = Settings.from_env(home=tmp, seeds_dir=tmp / "seeds", index_dir=tmp / "index", llm="none")
        model = get_embedding(settings.embedding, settings.embed_batch_size)
        cached = None
        if not real_embedding:
            cached = CachedEmbedding(model, pool, settings.embed_batch_size)
            object.__setattr__(model, "get_text_embedding_batch", cached)  # a pydantic model
        started = time.perf_counter()
        stats = api.build_index(settings=settings, progress=sys.stderr.isatty())
        build_s = time.perf_counter() - started
        manifest = read_manifest(settings)

        questions = [q.question for q in load_questions(ROOT / "eval" / "dev.jsonl")]
        rss_before_load = memory_mb(os.getpid(), "VmRSS")
        started = time.perf_counter()
        api.retrieve(questions[0], settings=settings)  # loads the retriever
        load_s = time.perf_counter() - started
        rss_loaded = memory_mb(os.getpid(), "VmRSS")
        latencies = []
        for _ in range(3):
            for q in questions:
                started = time.perf_counter()
                api.retrieve(q, settings=settings)
                latencies.append((time.perf_counter() - started) * 1000)

        rows = LexicalIndex.load_rows(settings.index_dir / manifest.lexical)
        tracemalloc.start()
        LexicalIndex.build(rows)
        _, lexical_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        disk = sum(f.stat().st_size for f in (tmp / "index").rglob("*") if f.is_file())
        return {
            "passages": stats.chunks,
            "articles": articles,
            "embedding": "real" if real_embedding else "cached seed sentences",
            "build_s": round(build_s, 1),
            "build_passages_per_s": round(stats.chunks / build_s, 1),
            "embedding_misses": cached.misses if cached else None,
            "retriever_load_s": round(load_s, 2),
            "dense_path": api.ENGINE.retriever(settings).dense_path,
            "retrieve_p50_ms": round(statistics.median(latencies), 1),
            "retrieve_p95_ms": percentile(latencies, 95),
            "index_disk_mb": round(disk / 1e6, 1),
            "rss_before_load_mb": rss_before_load,
            "rss_loaded_mb": rss_loaded,
            "peak_rss_mb": memory_mb(os.getpid()),
            "lexical_build_peak_mb": round(lexical_peak / 1e6, 1),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--real-embedding-up-to", type=int, default=1000)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "scale.json"))
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child process: one size
    parser.add_argument("--real", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one, args.real)))
        return 0
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        real = size <= args.real_embedding_up_to
        cmd = [sys.executable, __file__, "--one", str(size)] + (["--real"] if real else [])
        print(f"{size} passages ({'real' if real else 'cached'} embedding) ...", flush=True)
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stderr[-3000:], file=sys.stderr)
            return 1
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), flush=True)
    Path(args.out).write_text(json.dumps({"rows": rows}, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
