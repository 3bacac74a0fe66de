"""The README and docs/ say what the code does: their generated parts are current."""

import subprocess
import sys

import pytest

from tests.servers import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import docs


@pytest.mark.parametrize("file", sorted({file for file, _ in docs.BLOCKS}))
def test_generated_blocks_are_current(file):
    text = (ROOT / file).read_text(encoding="utf-8")
    assert docs.render(file, text) == text, f"{file} is stale: run python scripts/docs.py"


def test_every_setting_is_documented():
    from dataclasses import fields

    from rag.core.config import Settings

    assert all(f.metadata.get("doc") for f in fields(Settings))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`RAG_LLM`" in readme and "`RAG_TOP_K`" in readme  # the main ones are on the front page


def test_a_changed_default_makes_the_docs_stale(monkeypatch):
    from dataclasses import fields

    from rag.core.config import Settings

    top_k = next(f for f in fields(Settings) if f.name == "top_k")
    monkeypatch.setattr(top_k, "default", 7)
    assert "`RAG_TOP_K` | `7`" in docs.settings_table(front_only=True)
    assert "README.md" in docs.stale()


def test_the_check_command_passes():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "docs.py"), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_readme_stays_a_front_door():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 200
