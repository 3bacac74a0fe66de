"""The public Python API: what the CLI, the UI and users' code call.

    from rag import ask, retrieve, build_index
    build_index()                       # incremental; returns IndexStats
    retrieve("كم عدد الحاويات؟", k=5)    # list[Passage]
    ask("كم عدد الحاويات؟")              # Answer with [n] citations
    for event in ask("...", stream=True): ...   # Sources, Token, Restart, Final (rag.answer.events)

The functions use one default `Engine`, which keeps the loaded index and model
between questions; an application that serves several configurations can make its own.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal, overload

from rag.answer.events import Event, final
from rag.answer.llm import LLM, LLMError, load_llm
from rag.answer.pipeline import answer_stream, prime
from rag.answer.schema import Answer
from rag.core.config import MAX_QUESTION_CHARS, Settings
from rag.core.models import ModelError
from rag.core.notices import Notice
from rag.core.text import INVISIBLE, search_words
from rag.index.build import IndexStats, needs_update
from rag.index.build import build_index as _build_index
from rag.index.store import IndexMissingError, IndexProblem, Manifest, forget_clients, manifest_path, read_manifest
from rag.search.filters import Filter, Scope, date_range, outlets, scope
from rag.search.retrieval import Passage, Retriever, Sentence, load_manifest_for_search

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
    if not search_words(text):  # tatweel, harakat or one key held down are not words
        raise QuestionError("The question has no words or numbers to search for.")
    notices = []
    if len(text) > MAX_QUESTION_CHARS:
        text = text[:MAX_QUESTION_CHARS]
        notices.append(Notice("question_cut", f"cut to its first {MAX_QUESTION_CHARS} characters"))
    return text, notices


class Engine:
    """What answering keeps between questions: one retriever per index state
    (reloaded when a rebuild replaces the manifest) and one loaded model per
    configuration. Thread-safe; reading never builds the index."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._retrievers: dict[Settings, tuple[int, Retriever]] = {}
        self._models: dict[tuple, LLM] = {}

    def retriever(self, settings: Settings) -> Retriever:
        path: Path = manifest_path(settings)
        with self._lock:
            cached = self._retrievers.get(settings)  # frozen: any setting that differs gets its own
            if cached is None or cached[0] != _stamp(path):  # _stamp: IndexMissingError when there is none
                if cached is None and _stamp(path) and needs_update(read_manifest(settings), settings):
                    raise IndexProblem(f"The index in {path.parent} was built by an older version of rag. Rebuild it with: rag index")
                cached = _load_consistent(settings, path)
                self._retrievers[settings] = cached
            return cached[1]

    def model(self, settings: Settings) -> LLM:
        """The configured backend, loaded once (a local model takes seconds and a gigabyte)."""
        key = (settings.llm, settings.llm_model, settings.llm_url, settings.llm_api_key, settings.llm_timeout, settings.llm_context, settings.llm_threads)
        with self._lock:
            if key not in self._models:
                self._models[key] = load_llm(settings)
            return self._models[key]

    def retrieve(
        self, question: str, k: int | None = None, settings: Settings | None = None, mode: str | None = None, chosen: Filter | None = None
    ) -> list[Passage]:
        settings = settings or Settings.from_env()
        text, _ = prepare_question(question)
        retriever = self.retriever(settings)
        return retriever.retrieve(text, k or settings.top_k, mode=mode, scope=scope(retriever.manifest, chosen or Filter()))

    def rank_sentences(self, question: str, passages: list[Passage], settings: Settings | None = None) -> list[Sentence]:
        settings = settings or Settings.from_env()
        text, _ = prepare_question(question)
        return self.retriever(settings).ranked_sentences(passages, text)

    @overload
    def ask(self, question: str, history=..., stream: Literal[False] = ..., settings: Settings | None = ..., chosen: Filter | None = ...) -> Answer: ...
    @overload
    def ask(self, question: str, history=..., *, stream: Literal[True], settings: Settings | None = ..., chosen: Filter | None = ...) -> Iterator[Event]: ...

    def ask(
        self, question: str, history=None, stream: bool = False, settings: Settings | None = None, chosen: Filter | None = None
    ) -> Answer | Iterator[Event]:
        settings = settings or Settings.from_env()
        text, notices = prepare_question(question)
        pairs = _history(history)
        retriever = self.retriever(settings)
        where = scope(retriever.manifest, chosen or Filter())
        if where is not None:
            notices.append(Notice("filtered", f"{len(where.docs)} of {where.total} articles searched"))
        # Loaded by the pipeline only where it has a verified answer for the model to improve.
        events = answer_stream(text, retriever, lambda: self.model(settings), settings, pairs, notices, where)
        return events if stream else final(events)

    def warm_up(self, settings: Settings) -> str:
        """Load the retriever and the model, so the first question is as fast as the rest."""
        self.retriever(settings)
        if settings.llm == "local" and settings.model_needed():  # a server backend keeps its own cache
            prime(self.model(settings), settings)
        return self.backend_name(settings)

    def backend_name(self, settings: Settings) -> str:
        if not settings.model_needed():
            return "none"
        try:
            return self.model(settings).name
        except (LLMError, ModelError) as exc:
            return f"none (unavailable: {exc})"


def _stamp(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        raise IndexMissingError(f"There is no index in {path.parent} yet. Build it with: rag index") from None


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


def _history(history) -> list[tuple[str, str]]:
    if not history:
        return []
    try:
        return [(str(user or ""), str(assistant or "")) for user, assistant in history]
    except (TypeError, ValueError) as exc:
        raise QuestionError("history must be a list of (question, answer) pairs.") from exc


ENGINE = Engine()


def retrieve(
    question: str,
    k: int | None = None,
    settings: Settings | None = None,
    mode: str | None = None,
    *,
    sources: list[str] | str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> list[Passage]:
    """The k passages that best match the question, best first.

    mode: "hybrid" (default, RAG_RETRIEVAL), "dense" or "lexical".
    sources, since, until: only articles from these outlets, dated YYYY-MM-DD
    within the bounds (undated articles are left out by a date bound); see
    `outlets` and `index_status` for what the index holds.
    Raises IndexMissingError (build the index first: `rag index` or `build_index()`),
    FilterError (a ValueError) for a malformed date or an outlet the index lacks.
    """
    return ENGINE.retrieve(question, k, settings, mode, Filter.of(sources, since, until))


def rank_sentences(question: str, passages: list[Passage], settings: Settings | None = None) -> list[Sentence]:
    """The sentences of these passages (from `retrieve`), most likely to hold
    the answer first: what the verified answer and the model's evidence draw on."""
    return ENGINE.rank_sentences(question, passages, settings)


@overload
def ask(
    question: str,
    history: list[tuple[str, str]] | None = ...,
    stream: Literal[False] = ...,
    settings: Settings | None = ...,
    *,
    sources: list[str] | str | None = ...,
    since: str | None = ...,
    until: str | None = ...,
) -> Answer: ...
@overload
def ask(
    question: str,
    history: list[tuple[str, str]] | None = ...,
    *,
    stream: Literal[True],
    settings: Settings | None = ...,
    sources: list[str] | str | None = ...,
    since: str | None = ...,
    until: str | None = ...,
) -> Iterator[Event]: ...


def ask(
    question: str,
    history: list[tuple[str, str]] | None = None,
    stream: bool = False,
    settings: Settings | None = None,
    *,
    sources: list[str] | str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> Answer | Iterator[Event]:
    """Answer a question from the articles, citing passages as [n].

    With stream=True, returns the answer as typed events (rag.answer.events):
    Sources (passages and the verified answer) when a model will write, its
    Tokens, Restart when it starts over, then Final (authoritative: the check
    may replace the streamed text). `events.follow` reads them for display.
    sources, since, until: search only these outlets and this period (as `retrieve`).
    Raises QuestionError (a ValueError) for an empty or unusable question,
    FilterError (a ValueError) for a filter that cannot apply, and IndexProblem
    when there is no usable index (build it with `rag index`).
    """
    chosen = Filter.of(sources, since, until)
    return ENGINE.ask(question, history, stream=stream, settings=settings, chosen=chosen)  # type: ignore[call-overload]  # a bool picks at run time


def build_index(full: bool = False, settings: Settings | None = None, progress: bool = False) -> IndexStats:
    """Add, update and remove articles in the index; `full=True` rebuilds from scratch."""
    return _build_index(settings or Settings.from_env(), full=full, progress=progress)


def build_first(settings: Settings, say: Callable[[str], None], progress: bool = False) -> None:
    """For the apps (the rag commands, rag serve): build a missing or outdated
    index before the first read, saying so (a read itself never builds)."""
    if needs_build(settings):
        say("No usable index yet: building it from the articles first (as `rag index` does).")
        build_index(settings=settings, progress=progress)


def needs_build(settings: Settings | None = None) -> bool:
    """No index yet, or one an older version built: the apps build it on start."""
    settings = settings or Settings.from_env()
    try:
        return needs_update(read_manifest(settings), settings)
    except IndexProblem:
        return False  # a damaged manifest: reading says what to do


def warm_up(settings: Settings | None = None) -> str:
    """Load the retriever and the model, so the first question is as fast as the
    rest. Returns the backend's name."""
    return ENGINE.warm_up(settings or Settings.from_env())


def backend_name(settings: Settings | None = None) -> str:
    """The generation backend `ask` will use, e.g. local:qwen2.5-coder-1.5b-instruct-q4_k_m.gguf;
    "none" when answers are the verified sentences (the model is not loaded)."""
    return ENGINE.backend_name(settings or Settings.from_env())


def filter_scope(
    sources: list[str] | str | None = None, since: str | None = None, until: str | None = None, settings: Settings | None = None
) -> tuple[Scope | None, int, tuple[str, str] | None]:
    """What a filter keeps (None: everything), the number of articles, and their
    date range: for the UI's filter row. Raises FilterError as `ask` would."""
    settings = settings or Settings.from_env()
    chosen = Filter.of(sources, since, until)
    manifest = _held(settings)
    if manifest is None:
        return None, 0, None
    return scope(manifest, chosen), len(manifest.files), date_range(manifest)


def outlets_held(settings: Settings | None = None) -> list[str]:
    """The outlets the index holds (for the UI's filter list)."""
    manifest = _held(settings or Settings.from_env())
    return outlets(manifest) if manifest else []


def _held(settings: Settings) -> Manifest | None:
    """The manifest the engine already holds (the UI asks on every filter change;
    a large index's manifest is megabytes), else the one on disk, else None."""
    try:
        return ENGINE.retriever(settings).manifest
    except IndexProblem:
        return read_manifest(settings)


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
        "outlets": outlets(manifest),
        "dates": " – ".join(span) if (span := date_range(manifest)) else "",
    }
