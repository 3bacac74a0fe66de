"""Real servers on 127.0.0.1 for tests and benchmarks: `rag serve`, `chroma run`,
`python -m llama_cpp.server`; and the memory of a process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd: list, ready_url: str, log_path: Path, timeout: float, env: dict | None = None) -> subprocess.Popen:
    """Start `cmd` (output to log_path: a pipe would fill and stall it) and
    return once `ready_url` answers 200; RuntimeError with the log's tail if it
    exits or does not answer in time."""
    with open(log_path, "w") as log:
        process = subprocess.Popen([str(c) for c in cmd], cwd=ROOT, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{cmd[0]} exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            if httpx.get(ready_url, timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"{cmd[0]} did not answer in {timeout:.0f} s:\n{log_path.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()


def start_rag_serve(env: dict[str, str], log_path: Path, timeout: float = 600, *args: str) -> tuple[subprocess.Popen, str]:
    """`rag serve` on a free port (with more arguments: args); the first run may assemble the model."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    return start([sys.executable, "-m", "rag", "serve", "--port", port, *args], url, log_path, timeout, env), url


def memory_mb(pid: int, field: str = "VmHWM") -> float:
    """A process's peak (VmHWM) or current (VmRSS) resident memory, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def stoppable() -> None:
    """preexec_fn for a watcher (`rag index --watch`), before it starts: Ctrl-C (SIGINT) is the way to stop it,
    and a child inherits its parent's ignored and blocked signals (a shell's
    background job ignores SIGINT; in the full suite the watcher once did not
    see it): restore both."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
