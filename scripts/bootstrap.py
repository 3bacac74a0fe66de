#!/usr/bin/env python3
"""Set up everything on a fresh machine, then run the app or the tests.

    python3 scripts/bootstrap.py run    # .venv + dependencies + index, then `rag serve` (chat UI)
    python3 scripts/bootstrap.py test   # .venv + dependencies (+ test extras, Chromium), then pytest
    python3 scripts/bootstrap.py lock   # write constraints.txt from the packages in .venv

Both create and reuse a virtual environment at .venv/ in the repository root, so
`.venv/bin/rag` works after either. Dependencies are installed again only when
pyproject.toml or constraints.txt changes. Needs only Python 3.11+ and a C compiler
(gcc) on PATH.

Every package is installed at the version in constraints.txt, the environment the
tests and benchmarks last ran in: an unpinned install took newer releases that
ranked a few near-tied sentences differently and changed 8 of 75 benchmark answers
with no change to the code. RAG_UNPINNED=1 installs the newest releases that
pyproject.toml allows instead (then `lock` and re-run the benchmarks to move on).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
# Pinned: sentence-transformers needs torch, and an unpinned `pip install torch`
# on Linux pulls a multi-gigabyte CUDA build. This release exists as a CPU build.
TORCH = "torch==2.13.0"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
CONSTRAINTS = ROOT / "constraints.txt"
CONSTRAINTS_HEADER = """\
# Every package at the version the tests and benchmarks last ran with (pip constraints:
# they pin versions, they install nothing). scripts/bootstrap.py installs with them;
# written by `python3 scripts/bootstrap.py lock`. torch is pinned in bootstrap.py (CPU build).
"""
# llama-cpp-python compiles llama.cpp from source. Building only the library
# (no tests, examples, tools, server binaries or the multimodal llava library)
# for AVX2 CPUs instead of -march=native cuts the build from ~14 to ~5 minutes
# on 2 cores and gives a wheel that runs on any AVX2 machine.
LLAMA_CMAKE_ARGS = " ".join(
    [
        "-DLLAVA_BUILD=OFF",
        "-DLLAMA_BUILD_TESTS=OFF",
        "-DLLAMA_BUILD_EXAMPLES=OFF",
        "-DLLAMA_BUILD_TOOLS=OFF",
        "-DLLAMA_BUILD_SERVER=OFF",
        "-DLLAMA_BUILD_APP=OFF",
        "-DLLAMA_OPENSSL=OFF",
        "-DGGML_NATIVE=OFF",
        "-DGGML_AVX=ON",
        "-DGGML_AVX2=ON",
        "-DGGML_FMA=ON",
        "-DGGML_F16C=ON",
        "-DGGML_BACKEND_DL=OFF",
        "-DGGML_CPU_ALL_VARIANTS=OFF",
        "-DCMAKE_BUILD_TYPE=Release",
    ]
)


def say(message: str) -> None:
    print(f"[bootstrap] {message}", file=sys.stderr, flush=True)


def run(*cmd: str | Path, **kwargs) -> None:
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kwargs)


def has_gpu() -> bool:
    return shutil.which("nvidia-smi") is not None


def reachable(url: str, timeout: float = 3.0) -> bool:
    host = url.split("/")[2]
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def ensure_venv() -> None:
    if not PY.exists():
        say(f"creating the virtual environment in {VENV.name}/")
        venv.EnvBuilder(with_pip=True).create(VENV)


def pinned() -> bool:
    return os.environ.get("RAG_UNPINNED", "") in ("", "0")


def ensure_packages(extras: str) -> None:
    spec = f".[{extras}]" if extras else "."
    constraints = ["-c", str(CONSTRAINTS)] if pinned() and CONSTRAINTS.exists() else []
    locked = CONSTRAINTS.read_bytes() if constraints else b"unpinned"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + locked + spec.encode() + TORCH.encode()).hexdigest()
    stamp = VENV / f".installed-{extras or 'base'}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    pip = [PY, "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "off"]
    torch_args = []
    if not has_gpu() and reachable(TORCH_CPU_INDEX):
        torch_args = ["--extra-index-url", TORCH_CPU_INDEX]
    say(f"installing {TORCH} ({'CUDA' if has_gpu() else 'CPU'} build)")
    run(*pip, TORCH, *torch_args)
    say(f"installing the project: pip install -e '{spec}' (compiling llama.cpp takes ~5 minutes the first time)")
    env = {**os.environ, "CMAKE_ARGS": os.environ.get("CMAKE_ARGS", LLAMA_CMAKE_ARGS), "CMAKE_BUILD_PARALLEL_LEVEL": str(os.cpu_count() or 2)}
    run(*pip, *constraints, "-e", spec, env=env)
    stamp.write_text(digest)


def lock() -> int:
    """constraints.txt from what .venv holds: run after `test` has installed the
    test extras too, so that the file pins every package CI installs."""
    if not PY.exists():
        say("no .venv yet: run `python3 scripts/bootstrap.py test` first")
        return 2
    frozen = subprocess.run(
        [str(PY), "-m", "pip", "freeze", "--exclude-editable", "--disable-pip-version-check"], check=True, capture_output=True, text=True, cwd=ROOT
    )
    pins = sorted(
        (line for line in frozen.stdout.splitlines() if "==" in line and not line.lower().startswith("torch==")),
        key=lambda line: line.split("==")[0].lower(),
    )
    CONSTRAINTS.write_text(CONSTRAINTS_HEADER + "\n".join(pins) + "\n")
    say(f"wrote {CONSTRAINTS.name}: {len(pins)} packages")
    return 0


BROWSER = Path("/usr/bin/chromium")
BROWSER_PACKAGES = ["chromium", "fonts-noto-core"]  # the browser tests' Chromium, and an Arabic font


def ensure_browser() -> None:
    """Debian's Chromium for the UI tests (Playwright cannot download its own here)."""
    if BROWSER.exists():
        return
    if not (shutil.which("apt-get") and os.geteuid() == 0):
        say(f"no {BROWSER}: the browser tests will be skipped (install: apt-get install {' '.join(BROWSER_PACKAGES)})")
        return
    say(f"installing {', '.join(BROWSER_PACKAGES)} for the browser tests")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *BROWSER_PACKAGES]
    if subprocess.run(install, env=env).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env)
        subprocess.run(install, env=env)


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 (run by any python3, before the venv exists)
        say(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
        return 2
    if not argv or argv[0] not in ("run", "test", "lock"):
        print(__doc__)
        return 2
    action, rest = argv[0], argv[1:]
    if action == "lock":
        return lock()
    ensure_venv()
    ensure_packages("test" if action == "test" else "")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if action == "test":
        ensure_browser()
        return subprocess.run([str(PY), "-m", "pytest", *rest], cwd=ROOT, env=env).returncode
    run(PY, "-m", "rag", "index", env=env)
    return subprocess.run([str(PY), "-m", "rag", "serve", *rest], cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
