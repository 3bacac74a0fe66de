"""Shared fixtures: one real index (real Chroma, real e5 model) per test session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rag.core.config import Settings

from .servers import free_port, start, stop

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DEV_QUESTIONS = ROOT / "eval" / "dev.jsonl"


def make_settings(tmp: Path, seeds: Path | None = None, **kw) -> Settings:
    return Settings(home=tmp, seeds_dir=seeds or tmp / "seeds", index_dir=tmp / "index", **kw)


def rag_env(settings: Settings, **extra) -> dict:
    """The environment that points a `rag` process at these settings' index."""
    return {**os.environ, "RAG_SEEDS_DIR": str(settings.seeds_dir), "RAG_INDEX_DIR": str(settings.index_dir), "RAG_CHROMA_URL": settings.chroma_url, **extra}


def rag(settings: Settings, *args, input=None, **env_extra) -> subprocess.CompletedProcess:
    """Run the `rag` command as a user would, in its own process."""
    return subprocess.run([sys.executable, "-m", "rag", *args], capture_output=True, text=True, env=rag_env(settings, **env_extra), input=input, timeout=300)


def copy_seeds(target: Path, names: list[str] | None = None) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(SEEDS.glob("*.txt")):
        if names is None or path.stem[:3] in names:
            shutil.copy(path, target / path.name)
    return target


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory) -> Settings:
    """The five seed articles, indexed once for the whole session (read-only for tests)."""
    from rag.index.build import build_index

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
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [binary, "run", "--path", folder / "data", "--host", "127.0.0.1", "--port", port]
    try:
        process = start(cmd, f"{url}/api/v2/heartbeat", folder / "server.log", timeout=60)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield url
    stop(process)


@pytest.fixture(params=["embedded", "server"])
def small_corpus(request, tmp_path) -> Settings:
    """A private two-article folder that a test may change, indexed in the
    embedded database and, again, in a `chroma run` server."""
    server = request.getfixturevalue("chroma_server") if request.param == "server" else ""
    return make_settings(tmp_path, copy_seeds(tmp_path / "seeds", ["002", "003"]), chroma_url=server)
