"""The public Python API: what the CLI, the UI and users' code call.

    from rag import retrieve, build_index
    build_index()                       # incremental; returns IndexStats
    retrieve("كم عدد الحاويات؟", k=5)    # list[Passage]
"""

from __future__ import annotations

import threading
from pathlib import Path

from .config import Settings
from .indexer import IndexStats
from .indexer import build_index as _build_index
from .retrieval import Retriever, Passage, load_manifest_for_search
from .store import manifest_path
from .text import INVISIBLE

# Longer questions are cut to this many characters (a question, not a document).
MAX_QUESTION_CHARS = 2000


class QuestionError(ValueError):
    """A question that cannot be searched; the message says why in plain words."""


class EmptyQuestionError(QuestionError):
    pass


def prepare_question(question: object) -> tuple[str, list[str]]:
    """Clean a user's question. Returns (question, notices); raises QuestionError."""
    if not isinstance(question, str):
        raise QuestionError(f"A question must be text, not {type(question).__name__}.")
    text = " ".join(INVISIBLE.sub("", question).split())
    if not text:
        raise EmptyQuestionError("The question is empty: type a question about the articles.")
    if not any(ch.isalnum() for ch in text):
        raise QuestionError("The question has no words or numbers to search for.")
    notices = []
    if len(text) > MAX_QUESTION_CHARS:
        text = text[:MAX_QUESTION_CHARS]
        notices.append(f"The question was cut to its first {MAX_QUESTION_CHARS} characters.")
    return text, notices


_lock = threading.Lock()
_retrievers: dict[Settings, tuple[float, Retriever]] = {}


def _retriever(settings: Settings) -> Retriever:
    """One retriever per index, reloaded when a rebuild replaces the manifest."""
    path: Path = manifest_path(settings)
    if not path.exists():
        _build_index(settings, progress=True)  # first use: build rather than fail
    key = settings  # frozen: any setting that differs gets its own retriever
    stamp = path.stat().st_mtime_ns
    with _lock:
        cached = _retrievers.get(key)
        if cached is None or cached[0] != stamp:
            cached = (stamp, Retriever(settings, load_manifest_for_search(settings)))
            _retrievers[key] = cached
        return cached[1]


def retrieve(question: str, k: int | None = None, settings: Settings | None = None, mode: str | None = None) -> list[Passage]:
    """The k passages that best match the question, best first.

    mode: "hybrid" (default, RAG_RETRIEVAL), "dense" or "lexical".
    """
    settings = settings or Settings.from_env()
    text, _ = prepare_question(question)
    return _retriever(settings).retrieve(text, k or settings.top_k, mode=mode)


def build_index(full: bool = False, settings: Settings | None = None, progress: bool = False) -> IndexStats:
    """Add, update and remove articles in the index; `full=True` rebuilds from scratch."""
    return _build_index(settings or Settings.from_env(), full=full, progress=progress)
