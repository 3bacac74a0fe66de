"""Watched folder: time from dropping an article into the folder to its passages being searchable.

    .venv/bin/python benchmarks/bench_watch.py [--drops 5] [--out benchmarks/results/watch.json]

Starts `rag index --watch` on a copy of two seed articles in a temporary folder,
then copies each other seed article in (a real article: 10-20 passages to embed)
with a marker word appended, and times until `rag.retrieve` finds the marker, as
a reader in another process would. Also times a change and a removal.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.app import api  # noqa: E402
from rag.core.config import Settings  # noqa: E402
from rag.index.watch import QUIET_MS  # noqa: E402
from tests.servers import stoppable  # noqa: E402

MARKERS = ["زمردي", "ياقوتي", "مرجاني", "فيروزي", "كهرماني", "لؤلؤي"]


def searchable(settings: Settings, word: str) -> bool:
    return any(word in p.text for p in api.retrieve(word, k=3, settings=settings, mode="lexical"))


def wait_for(condition, timeout: float = 120.0) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise TimeoutError("not searchable in time")
        time.sleep(0.05)
    return round(time.monotonic() - started, 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drops", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "watch.json"))
    args = parser.parse_args()
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "seeds"
        folder.mkdir()
        for path in seeds[:2]:
            shutil.copy(path, folder)
        settings = Settings(seeds_dir=folder, index_dir=Path(tmp) / "index", llm="none")
        env = {**os.environ, "RAG_SEEDS_DIR": str(folder), "RAG_INDEX_DIR": str(settings.index_dir)}
        watcher = subprocess.Popen(
            [sys.executable, "-m", "rag", "index", "--watch", "--json", "--quiet"],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            preexec_fn=stoppable,
        )
        try:
            watcher.stdout.readline()  # the first build
            time.sleep(1)
            drops = []
            for n, path in enumerate(seeds[2 : 2 + args.drops]):
                marker = MARKERS[n]
                text = path.read_text(encoding="utf-8") + f"\n\nوقال المتحدث إن الشحنة وصفت بأنها {marker}.\n"
                (folder / f"dropped-{n}.txt").write_text(text, encoding="utf-8")
                drops.append(wait_for(lambda m=marker: searchable(settings, m)))
                print(f"dropped {path.name}: searchable after {drops[-1]} s", file=sys.stderr)
            changed = folder / "dropped-0.txt"
            changed.write_text(changed.read_text(encoding="utf-8").replace(MARKERS[0], MARKERS[-1]), encoding="utf-8")
            change = wait_for(lambda: searchable(settings, MARKERS[-1]) and not searchable(settings, MARKERS[0]))
            changed.unlink()
            removal = wait_for(lambda: not searchable(settings, MARKERS[-1]))
        finally:
            watcher.send_signal(signal.SIGINT)
            watcher.wait(timeout=60)
    result = {
        "time": time.strftime("%Y-%m-%d"),
        "machine": {"cpus": os.cpu_count()},
        "quiet_ms": QUIET_MS,
        "drop_to_searchable_s": {"median": statistics.median(drops), "max": max(drops), "each": drops},
        "change_to_searchable_s": change,
        "removal_to_gone_s": removal,
    }
    print(json.dumps(result, indent=1))
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
