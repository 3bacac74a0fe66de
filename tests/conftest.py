"""Shared fixtures: one real index (real Chroma, real e5 model) per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

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


@pytest.fixture
def small_corpus(tmp_path) -> Settings:
    """A private two-article folder that a test may change."""
    return make_settings(tmp_path, copy_seeds(tmp_path / "seeds", ["002", "003"]))
