"""Shared fixtures: one real index (real Chroma, real e5 model) per test session."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from rag.config import Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DEV_QUESTIONS = ROOT / "eval" / "dev.jsonl"


def make_settings(tmp: Path, seeds: Path | None = None, **kw) -> Settings:
    return Settings(home=tmp, seeds_dir=seeds or tmp / "seeds", index_dir=tmp / "index", **kw)


def copy_seeds(target: Path, names: list[str] | None = None) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(SEEDS.glob("*.txt")):
        if names is None or path.stem[:3] in names:
            shutil.copy(path, target / path.name)
    return target


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory) -> Settings:
    """The five seed articles, indexed once for the whole session (read-only for tests)."""
    from rag.indexer import build_index

    tmp = tmp_path_factory.mktemp("seeds_index")
    settings = make_settings(tmp, copy_seeds(tmp / "seeds"))
    stats = build_index(settings)
    assert stats.added == 5 and stats.chunks > 0
    return settings


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory) -> str:
    """A real `chroma run` server on 127.0.0.1: the RAG_CHROMA_URL mode."""
    binary = Path(sys.executable).parent / "chroma"
    if not binary.exists():
        pytest.fail(f"{binary} is missing: chromadb's server command comes with the chromadb package")
    folder = tmp_path_factory.mktemp("chroma_server")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(folder / "server.log", "w")
    process = subprocess.Popen([str(binary), "run", "--path", str(folder / "data"), "--host", "127.0.0.1", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"chroma run did not start:\n{(folder / 'server.log').read_text()[-2000:]}")
        time.sleep(0.3)
    yield url
    process.terminate()
    process.wait(10)
    log.close()


@pytest.fixture(params=["embedded", "server"])
def small_corpus(request, tmp_path) -> Settings:
    """A private two-article folder that a test may change, indexed in the
    embedded database and, again, in a `chroma run` server."""
    server = request.getfixturevalue("chroma_server") if request.param == "server" else ""
    return make_settings(tmp_path, copy_seeds(tmp_path / "seeds", ["002", "003"]), chroma_url=server)
