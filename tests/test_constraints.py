"""constraints.txt pins the environment the tests and benchmarks ran in, so a
fresh clone installs the same packages (scripts/bootstrap.py)."""

from __future__ import annotations

import os
import tomllib
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.servers import ROOT


def _pins() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    pairs = (line.split("==", 1) for line in lines if line.strip() and not line.startswith("#"))
    return {canonicalize_name(name): version for name, version in pairs}


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    listed = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    return [Requirement(r) for r in listed]


def test_every_line_is_one_exact_pin():
    lines = [line for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
    assert lines and all(line.count("==") == 1 and " " not in line for line in lines)


@pytest.mark.parametrize("requirement", _requirements(), ids=str)
def test_each_dependency_is_pinned_within_its_range(requirement):
    pins = _pins()
    name = canonicalize_name(requirement.name)
    assert name in pins, f"{requirement.name} is not in constraints.txt: run python3 scripts/bootstrap.py lock"
    assert requirement.specifier.contains(pins[name], prereleases=True), f"{requirement.name}=={pins[name]} is outside {requirement.specifier}"


def test_torch_is_left_to_the_bootstrap():
    # bootstrap.py installs torch from the CPU index on a machine without a GPU; a
    # pin here could be a version that index lacks, or pull the CUDA build.
    assert "torch" not in _pins()


@pytest.mark.skipif(os.environ.get("RAG_UNPINNED", "") not in ("", "0"), reason="RAG_UNPINNED: installed unpinned")
def test_the_environment_under_test_is_the_pinned_one():
    pins = _pins()
    found = {canonicalize_name(r.name): metadata.version(r.name) for r in _requirements()}
    assert {name: version for name, version in found.items() if pins.get(name) != version} == {}
