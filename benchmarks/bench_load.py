"""Load: simulated users asking at once, for a bounded time, on 127.0.0.1 only.

    .venv/bin/python benchmarks/bench_load.py [--users 20] [--seconds 30]
        [--rows api-none,api-local,ui-none,ui-local] [--out benchmarks/results/load.json]

api-*: threads calling rag.ask in this process (one shared retriever and model).
ui-*:  threads calling a running `rag serve` over HTTP with gradio_client
       (its /ask endpoint, through Gradio's queue).
*-none: extractive answers; *-local: the bundled default model (answers are
generated one at a time, so most of a user's wait is the queue).

Each user asks the dev questions in turn until the time is up; a request in
flight at the deadline is finished and counted. Reported: requests, throughput,
latency p50/p95, errors (must be 0) and peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.app import api  # noqa: E402
from rag.app.evaluation import load_questions, percentile  # noqa: E402
from rag.core.config import Settings  # noqa: E402
from tests.servers import memory_mb, start_rag_serve, stop  # noqa: E402


def run_users(users: int, seconds: float, questions: list[str], call) -> dict:
    """`users` threads calling `call(question)` until the deadline."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def user(n: int) -> None:
        i = n
        while time.monotonic() < deadline:
            question = questions[i % len(questions)]
            i += users
            started = time.perf_counter()
            try:
                call(question)
                with lock:
                    latencies.append((time.perf_counter() - started) * 1000)
            except Exception as exc:  # every failure counts; none is expected
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}"[:200])

    started = time.perf_counter()
    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {
        "users": users,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "throughput_per_s": round(len(latencies) / elapsed, 2),
        "p50_ms": round(statistics.median(latencies)) if latencies else None,
        "p95_ms": round(percentile(latencies, 95)) if latencies else None,
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
    }


def api_row(llm: str, users: int, seconds: float, questions: list[str], index_dir: Path) -> dict:
    settings = Settings.from_env(llm=llm, index_dir=str(index_dir))
    api.warm_up(settings)
    row = run_users(users, seconds, questions, lambda q: api.ask(q, settings=settings))
    row["peak_rss_mb"] = memory_mb(os.getpid())
    return row


def ui_row(llm: str, users: int, seconds: float, questions: list[str], index_dir: Path, log: Path) -> dict:
    from gradio_client import Client

    process, url = start_rag_serve({"RAG_LLM": llm, "RAG_INDEX_DIR": str(index_dir)}, log)
    local = threading.local()

    def call(question: str) -> None:
        if not hasattr(local, "client"):
            local.client = Client(url, verbose=False)
        result = local.client.predict(question, None, api_name="/ask")
        if not result.get("text"):
            raise RuntimeError("empty answer")

    try:
        row = run_users(users, seconds, questions, call)
        row["serve_peak_rss_mb"] = memory_mb(process.pid)
    finally:
        stop(process)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", default=str(ROOT / "eval" / "dev.jsonl"))
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rows", default="api-none,ui-none,api-local,ui-local")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "load.json"))
    args = parser.parse_args()
    questions = [q.question for q in load_questions(Path(args.questions))]
    report = {"users": args.users, "seconds": args.seconds, "rows": {}}
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        for name in args.rows.split(","):
            where, llm = name.split("-")
            print(f"{name}: {args.users} users for {args.seconds:.0f} s ...", flush=True)
            if where == "api":
                row = api_row(llm, args.users, args.seconds, questions, index_dir)
            else:
                row = ui_row(llm, args.users, args.seconds, questions, index_dir, Path(tmp) / f"{name}.log")
            report["rows"][name] = row
            print(json.dumps(row), flush=True)
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
