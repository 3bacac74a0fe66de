"""The public Python API: what the CLI, the UI and users' code call.

    from rag import ask, retrieve, build_index
    build_index()                       # incremental; returns IndexStats
    retrieve("كم عدد الحاويات؟", k=5)    # list[Passage]
    ask("كم عدد الحاويات؟")              # Answer with [n] citations
    for piece in ask("...", stream=True): ...   # draft Answer, text pieces, final Answer
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from .answer import Answer, answer_stream, prime
from .config import Settings
from .indexer import IndexStats, is_outdated
from .indexer import build_index as _build_index
from .llm import LLM, LLMError, get_llm
from .models import ModelError
from .notices import Notice
from .retrieval import Passage, Retriever, Sentence, load_manifest_for_search
from .store import IndexMissingError, IndexProblem, forget_clients, manifest_path, read_manifest
from .text import INVISIBLE, detect_language, normalize

# Longer questions are cut to this many characters (a question, not a document).
MAX_QUESTION_CHARS = 2000
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class QuestionError(ValueError):
    """A question that cannot be searched; the message says why in plain words."""


class EmptyQuestionError(QuestionError):
    pass


def prepare_question(question: object) -> tuple[str, list[Notice]]:
    """Clean a user's question. Returns (question, notices); raises QuestionError."""
    if not isinstance(question, str):
        raise QuestionError(f"A question must be text, not {type(question).__name__}.")
    # Zero-width and bidi marks, control characters, and lone surrogates (a broken
    # client's half of an emoji) carry nothing to search for.
    text = _CONTROL.sub(" ", INVISIBLE.sub("", question)).encode("utf-8", "replace").decode("utf-8")
    text = " ".join(text.split())
    if not text:
        raise EmptyQuestionError("The question is empty: type a question about the articles.")
    if not any(ch.isalnum() for ch in normalize(text)):  # tatweel or harakat alone are not words
        raise QuestionError("The question has no words or numbers to search for.")
    notices = []
    if len(text) > MAX_QUESTION_CHARS:
        text = text[:MAX_QUESTION_CHARS]
        notices.append(Notice("question_cut", f"cut to its first {MAX_QUESTION_CHARS} characters"))
    return text, notices


_lock = threading.Lock()
_retrievers: dict[Settings, tuple[float, Retriever]] = {}


def _retriever(settings: Settings) -> Retriever:
    """One retriever per index, reloaded when a rebuild replaces the manifest."""
    path: Path = manifest_path(settings)
    key = settings  # frozen: any setting that differs gets its own retriever
    if key not in _retrievers and (not path.exists() or is_outdated(read_manifest(settings), settings)):
        # First use, or an index built by an older cleaner/chunker: build rather than fail.
        _build_index(settings, progress=True)
    with _lock:
        cached = _retrievers.get(key)
        if cached is None or cached[0] != _stamp(path):
            cached = _load_consistent(settings, path)
            _retrievers[key] = cached
        return cached[1]


def _stamp(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        raise IndexMissingError(f"There is no index in {path.parent}. Build it with: rag index") from None


def _load_consistent(settings: Settings, path: Path, attempts: int = 5) -> tuple[int, Retriever]:
    """A retriever for one index state: if a rebuild switched the manifest while
    the vectors were being read (old passages may be gone by then), read again."""
    for attempt in range(attempts):
        stamp = _stamp(path)
        forget_clients()  # the index changed, maybe by another process: read it afresh
        try:
            retriever = Retriever(settings, load_manifest_for_search(settings))
        except Exception:
            if attempt + 1 < attempts and _stamp(path) != stamp:
                continue  # the index changed under us: try the new state
            raise
        if _stamp(path) == stamp:
            return stamp, retriever
    raise IndexProblem("The index kept changing while it was being read; try again when the rebuild has finished.")


def retrieve(question: str, k: int | None = None, settings: Settings | None = None, mode: str | None = None) -> list[Passage]:
    """The k passages that best match the question, best first.

    mode: "hybrid" (default, RAG_RETRIEVAL), "dense" or "lexical".
    """
    settings = settings or Settings.from_env()
    text, _ = prepare_question(question)
    return _retriever(settings).retrieve(text, k or settings.top_k, mode=mode)


def rank_sentences(question: str, passages: list[Passage], settings: Settings | None = None) -> list[Sentence]:
    """The sentences of these passages (from `retrieve`), most likely to hold
    the answer first: what the extractive answer and the model's evidence draw on."""
    settings = settings or Settings.from_env()
    text, _ = prepare_question(question)
    return _retriever(settings).ranked_sentences(passages, text)


def build_index(full: bool = False, settings: Settings | None = None, progress: bool = False) -> IndexStats:
    """Add, update and remove articles in the index; `full=True` rebuilds from scratch."""
    return _build_index(settings or Settings.from_env(), full=full, progress=progress)


def _history(history) -> list[tuple[str, str]]:
    if not history:
        return []
    try:
        return [(str(user or ""), str(assistant or "")) for user, assistant in history]
    except (TypeError, ValueError) as exc:
        raise QuestionError("history must be a list of (question, answer) pairs.") from exc


def ask(
    question: str,
    history: list[tuple[str, str]] | None = None,
    stream: bool = False,
    settings: Settings | None = None,
) -> Answer | Iterator[str | Answer]:
    """Answer a question from the articles, citing passages as [n].

    With stream=True, returns an iterator: a draft Answer (final=False, with the
    passages and the extractive answer) when a model will generate, the text
    pieces, then the final Answer (authoritative: the guard may replace the
    streamed text). A second draft starts a second try: the pieces after it
    replace those before.
    Raises QuestionError (a ValueError) for an empty or unusable question.
    """
    settings = settings or Settings.from_env()
    text, notices = prepare_question(question)
    pairs = _history(history)
    retriever = _retriever(settings)
    llm = LLM()  # the verified answer needs no model: it is loaded only when it will write or translate
    if settings.model_needed(detect_language(text)):
        try:
            llm = get_llm(settings)
        except (LLMError, ModelError) as exc:
            notices.append(Notice("model_unavailable", str(exc)))
    pieces = answer_stream(text, retriever, llm, settings, pairs, notices)
    if stream:
        return pieces
    final = None
    for item in pieces:
        final = item
    return final


def warm_up(settings: Settings | None = None) -> str:
    """Build the index if needed and load the retriever and the model, so the
    first question is as fast as the rest. Returns the backend's name."""
    settings = settings or Settings.from_env()
    _retriever(settings)
    if settings.llm == "local" and settings.model_needed():  # a server backend keeps its own cache
        prime(get_llm(settings))
    return backend_name(settings)


def backend_name(settings: Settings | None = None) -> str:
    """The generation backend `ask` will use, e.g. local:qwen2.5-coder-1.5b-instruct-q4_k_m.gguf;
    "none" when answers are the verified sentences (the model is not loaded)."""
    settings = settings or Settings.from_env()
    if not settings.model_needed():
        return "none"
    try:
        return get_llm(settings).name
    except (LLMError, ModelError) as exc:
        return f"none (unavailable: {exc})"


def index_status(settings: Settings | None = None) -> dict | None:
    """What the index holds (None when there is none yet): for `rag status` and the UI."""
    settings = settings or Settings.from_env()
    manifest = read_manifest(settings)
    if manifest is None:
        return None
    index_dir = settings.index_dir
    shown = index_dir.relative_to(settings.home) if index_dir.is_relative_to(settings.home) else index_dir
    return {
        "index": settings.chroma_url or str(shown),
        "documents": len(manifest.files),
        "chunks": manifest.chunk_count,
        "embedding": manifest.embedding,
        "built": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(manifest.built_at)),
    }
