"""Articles added from the chat UI: uploaded files and pasted text, written into
the articles folder (then indexed incrementally like any other file).

A file is checked the way the indexer will read it before anything is written,
so a file the index would skip is refused with the same reason and the folder
does not change. Names are made safe (no folders, no hidden or control
characters; Arabic letters kept) and nothing is overwritten unless asked.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from rag.core.config import MAX_FILE_MB
from rag.ingest.reader import SUPPORTED_SUFFIXES, list_seed_files, load_document

MAX_NAME_CHARS = 80


class UploadError(ValueError):
    """An article that cannot be added; the message says why (in English; the UI adds its own words)."""


@dataclass(frozen=True)
class Added:
    name: str  # the file's name in the articles folder
    replaced: bool
    warnings: tuple[str, ...] = ()  # e.g. bad bytes replaced: added anyway


def safe_name(name: str, suffix: str = ".txt") -> str:
    """A file name that stays inside the folder and reads well: letters (any
    script), digits, spaces, dots, dashes and underscores; no folders, no leading
    dots, at most MAX_NAME_CHARS; an unsupported suffix becomes `suffix`."""
    base = unicodedata.normalize("NFC", Path(name.replace("\\", "/")).name)
    stem, dot, ext = base.rpartition(".")
    if not dot or f".{ext.lower()}" not in SUPPORTED_SUFFIXES:
        stem, ext = base, suffix.lstrip(".")
    stem = "".join(ch if ch.isalnum() or ch in " ._-" else "_" for ch in stem if unicodedata.category(ch)[0] != "C")
    stem = re.sub(r"[ _]+", lambda m: m.group(0)[0], stem).strip(" ._-")[:MAX_NAME_CHARS].strip(" ._-")
    return f"{stem or 'article'}.{ext.lower()}"


def add_file(seeds_dir: Path, name: str, data: bytes, replace: bool = False, max_mb: float = MAX_FILE_MB) -> Added:
    """Write an uploaded article into the folder, or raise UploadError (nothing written)."""
    if not seeds_dir.is_dir():
        raise UploadError(f"The articles folder {seeds_dir} does not exist.")
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise UploadError(f"{Path(name).name}: only {', '.join(SUPPORTED_SUFFIXES)} files are articles.")
    target = seeds_dir / safe_name(name)
    exists = target.exists()
    if exists and not replace:
        raise UploadError(f"{target.name} is already in the articles folder; choose to replace it, or rename the file.")
    twin = next((other for other in articles(seeds_dir) if Path(other).with_suffix("") == Path(target.name).with_suffix("") and other != target.name), None)
    if twin:  # the index knows an article by its name without the suffix
        raise UploadError(f"{twin} has the same name in the articles folder; rename the file.")
    document, problems = load_document(target, seeds_dir, data=data, max_mb=max_mb)
    if document is None:
        raise UploadError(f"{Path(name).name} " + ("; ".join(p.message for p in problems if p.skipped) or "holds no article text."))
    tmp = target.with_name(f".{target.name}.upload")
    tmp.write_bytes(data)
    tmp.replace(target)  # the watcher and the indexer see the whole file or none of it
    return Added(target.name, exists, tuple(str(p) for p in problems))


def add_text(seeds_dir: Path, title: str, text: str, source: str = "", date: str = "", replace: bool = False) -> Added:
    """A pasted article as Markdown, with the outlet and date lines the reader
    recognizes ("المصدر:", "تاريخ النشر:"), named after its title."""
    title, text = " ".join(title.split()), text.strip()
    if not title or not text:
        raise UploadError("A pasted article needs a title and its text.")
    lines = [f"# {title}", ""]
    if date.strip():
        lines.append(f"تاريخ النشر: {date.strip()}")
    lines += [text, ""]
    if source.strip():
        lines.append(f"المصدر: {source.strip()}")
    stem = safe_name(title, ".md").rsplit(".", 1)[0][:60]
    digest = hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()[:6]  # two titles alike stay two files
    return add_file(seeds_dir, f"{stem}-{digest}.md", "\n".join(lines).encode("utf-8"), replace=replace)


def articles(seeds_dir: Path) -> list[str]:
    """The article files in the folder, as paths inside it (what `remove` takes)."""
    if not seeds_dir.is_dir():
        return []
    return [path.relative_to(seeds_dir).as_posix() for path in list_seed_files(seeds_dir)[0]]


def remove(seeds_dir: Path, name: str) -> None:
    """Delete one article file from the folder (its passages go at the next index update)."""
    path = (seeds_dir / name).resolve()
    if not path.is_relative_to(seeds_dir.resolve()) or name not in articles(seeds_dir):
        raise UploadError(f"{name} is not an article in the articles folder.")
    path.unlink()
