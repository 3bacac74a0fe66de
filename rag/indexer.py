"""Build and incrementally update the index from the articles folder.

The manifest's per-file SHA-256 decides what changed: new files are added,
changed files have their chunks replaced, deleted files lose theirs, and an
unchanged file is never re-embedded. A different embedding model, cleaner or
chunker version, or `full=True`, builds a fresh collection and switches the
manifest to it only when it is complete, so readers keep the old index until then.
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import asdict, dataclass, field

from tqdm import tqdm

from .chunking import CHUNKER_VERSION, Chunk, chunk_document
from .config import Settings
from .embeddings import embedding_id, get_embedding
from .ingest import CLEANER_VERSION, Document, load_documents
from .store import (
    FileEntry,
    IndexProblem,
    Manifest,
    build_lock,
    collection_name,
    delete_document_record,
    get_client,
    open_collection,
    read_manifest,
    save_document,
    vector_store,
    write_manifest,
)


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


def _chunking(settings: Settings) -> dict:
    return {
        "target_words": settings.chunk_target_words,
        "max_words": settings.chunk_max_words,
        "min_words": settings.chunk_min_words,
        "overlap": settings.chunk_overlap_sentences,
    }


def _needs_full_build(old: Manifest | None, embedding: str, chunking: dict) -> str | None:
    """Why the existing index cannot be updated in place, or None when it can."""
    if old is None:
        return "no index yet"
    if old.embedding != embedding:
        return f"embedding model changed ({old.embedding} -> {embedding})"
    if (old.cleaner_version, old.chunker_version, old.chunking) != (CLEANER_VERSION, CHUNKER_VERSION, chunking):
        return "cleaning or chunking changed"
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


def build_index(settings: Settings | None = None, full: bool = False, progress: bool = False) -> IndexStats:
    """Bring the index in step with the articles folder; return what changed."""
    settings = settings or Settings.from_env()
    started = time.perf_counter()
    stats = IndexStats()
    with build_lock(settings):
        docs, problems = load_documents(settings.seeds_dir)
        stats.problems = [str(p) for p in problems]
        embedding = embedding_id(settings.embedding)
        chunking = _chunking(settings)
        try:
            old = read_manifest(settings)
        except IndexProblem:
            if not full:
                raise
            old = None
        reason = "full rebuild requested" if full else _needs_full_build(old, embedding, chunking)
        client = get_client(settings)

        if reason:
            name = collection_name(embedding, _generation(old.collection) + 1 if old else 1)
            if name in {c if isinstance(c, str) else c.name for c in client.list_collections()}:
                client.delete_collection(name)  # leftover of a build that did not finish
            collection = open_collection(client, name, embedding, create=True)
            manifest = Manifest(name, embedding, 0, CLEANER_VERSION, CHUNKER_VERSION, chunking)
        else:
            collection = open_collection(client, old.collection, embedding)
            manifest = old
        store = vector_store(collection)

        current = {d.doc_id: d for d in docs}
        known = old.files if old else {}
        to_embed: list[Document] = []
        for doc in docs:
            entry = known.get(doc.doc_id)
            if entry is None:
                stats.added += 1
            elif entry.sha256 != doc.sha256:
                stats.updated += 1
            elif not reason:
                stats.unchanged += 1
                continue
            else:
                stats.unchanged += 1  # same file, but the whole index is being rebuilt
            to_embed.append(doc)
            if not reason and entry is not None:
                store.delete(doc.doc_id)
        for doc_id in set(known) - set(current):
            stats.removed += 1
            if not reason:
                store.delete(doc_id)
            manifest.files.pop(doc_id, None)
            delete_document_record(settings, doc_id)

        stats.embedded = _embed_and_add(settings, store, manifest, to_embed, progress)
        stats.chunks = manifest.chunk_count
        write_manifest(settings, manifest)
        if reason and old is not None and old.collection != manifest.collection:
            try:
                client.delete_collection(old.collection)
            except Exception:  # already gone: nothing to clean up
                pass
    stats.seconds = round(time.perf_counter() - started, 3)
    return stats


def _embed_and_add(settings: Settings, store, manifest: Manifest, docs: list[Document], progress: bool) -> int:
    work = [(doc, chunk_document(doc, **manifest.chunking)) for doc in docs]
    total = sum(len(chunks) for _, chunks in work)
    if not total:
        return 0
    model = get_embedding(settings.embedding, settings.embed_batch_size)
    batch = settings.embed_batch_size
    with tqdm(total=total, desc="Embedding chunks", unit="chunk", disable=not progress, file=sys.stderr) as bar:
        for doc, chunks in work:
            vectors: list[list[float]] = []
            for i in range(0, len(chunks), batch):
                vectors.extend(model.get_text_embedding_batch([c.text for c in chunks[i : i + batch]]))
                bar.update(min(batch, len(chunks) - i))
            if vectors:
                manifest.dim = len(vectors[0])
                store.add(_nodes(doc, chunks, vectors))
            save_document(settings, doc)
            manifest.files[doc.doc_id] = FileEntry(doc.path, doc.sha256, doc.title, [c.chunk_id for c in chunks])
    return total

