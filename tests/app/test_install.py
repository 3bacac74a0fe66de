"""The package as a user installs it: a wheel built from the checkout, installed
into a fresh virtual environment outside it, answering and searching there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.servers import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A venv holding only the built wheel; the dependencies come from the test
    environment's site-packages on PYTHONPATH (whose editable `rag` is not
    importable that way: .pth files are read only from site directories)."""
    tmp = tmp_path_factory.mktemp("install")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp / "dist"), str(ROOT)],
        capture_output=True,
        text=True,
        cwd=tmp,
    )
    assert built.returncode == 0, built.stderr
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    wheel = next((tmp / "dist").glob("rag_news-*.whl"))
    python = venv / "bin" / "python"
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return python


def _run(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": sysconfig.get_paths()["purelib"], "RAG_HOME": str(cwd), "RAG_LLM": "none"}
    env.pop("RAG_SEEDS_DIR", None), env.pop("RAG_INDEX_DIR", None)
    return subprocess.run([str(python), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=600)


def test_the_installed_wheel_answers_and_searches_outside_the_checkout(installed, seeds_index, tmp_path):
    (tmp_path / "seeds").symlink_to(seeds_index.seeds_dir)
    (tmp_path / "index").symlink_to(seeds_index.index_dir)
    where = _run(installed, tmp_path, "-c", "import rag, rag.answer.prompts as a; print(rag.__file__); print(a.PROMPTS)")
    module, prompts = where.stdout.split()
    assert not module.startswith(str(ROOT)) and Path(prompts).is_relative_to(installed.parent.parent), where.stdout + where.stderr
    # An abstention reads its sentence from the prompts, an answer its citation.
    for question, expected in [
        ("What is the capital of Australia?", "The articles do not contain the answer"),
        ("كم حاوية سلمت كوريا الشمالية إلى روسيا؟", "ألف حاوية"),
    ]:
        answer = _run(installed, tmp_path, "-m", "rag", "ask", "--json", question)
        assert answer.returncode == 0 and expected in json.loads(answer.stdout)["text"], answer.stderr
    # The `rag` command the wheel installs (its entry point: rag.app.cli:main).
    search = _run(installed, tmp_path, str(installed.parent / "rag"), "search", "Lavrov", "-k", "2")
    assert search.returncode == 0 and search.stdout.count("\n[") >= 1 and "لافروف" in search.stdout, search.stderr
