"""Chroma client, collections and the manifest that says which collection is live.

The manifest (index/manifest.json) is the single source of truth for what the
index holds: the live collection, the embedding model that built it, the
cleaner/chunker versions and a content hash per file. It is replaced atomically
(write to a temp file, then os.replace), so a reader sees the old or the new
manifest, never half of one.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from rag.core.config import Settings

# 2: each file's outlet and date are recorded (filters list and match them).
MANIFEST_FORMAT = 2


class IndexProblem(RuntimeError):
    """Base for index problems a user can fix; the message says how."""


class IndexMissingError(IndexProblem):
    pass


class IndexMismatchError(IndexProblem):
    pass


@dataclass
class FileEntry:
    path: str
    sha256: str
    title: str
    chunks: list[str]
    source: str = ""  # the outlet, as the article names it
    date: str = ""  # ISO (YYYY-MM-DD) when the article's date could be read, else as written


@dataclass
class Manifest:
    collection: str
    embedding: str
    dim: int
    cleaner_version: str
    chunker_version: str
    chunking: dict
    built_at: float = 0.0
    files: dict[str, FileEntry] = field(default_factory=dict)
    # Folder (inside the index folder) of the BM25 index that matches this collection.
    lexical: str = ""
    # Names this index's collections (collection_name): unique per index folder.
    index_id: str = ""
    # The lexical folder also holds the sentences' latent terms (rag.index.latent).
    latent: bool = False
    lexical_version: str = ""
    format: int = MANIFEST_FORMAT

    @property
    def chunk_count(self) -> int:
        return sum(len(f.chunks) for f in self.files.values())

    @property
    def live_chunks(self) -> set[str]:
        """The passages of this index state; a collection may briefly hold others
        (a rebuild's new passages before the switch, old ones just after)."""
        return {c for f in self.files.values() for c in f.chunks}

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        data["files"] = {k: FileEntry(**v) for k, v in data.get("files", {}).items()}
        return cls(**data)


def manifest_path(settings: Settings) -> Path:
    return settings.index_dir / "manifest.json"


def read_manifest(settings: Settings) -> Manifest | None:
    path = manifest_path(settings)
    if not path.exists():
        return None
    try:
        return Manifest.from_json(path.read_text(encoding="utf-8"))
    except (ValueError, TypeError, KeyError) as exc:
        raise IndexProblem(f"The index manifest {path} is damaged ({exc}). Rebuild it with: rag index --full") from exc


def write_atomic(path: Path, text: str, durable: bool = True) -> None:
    """Readers see the old file or the new one, never part of one. durable:
    on disk before the rename (the manifest; an article record can be rebuilt)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        if durable:
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_manifest(settings: Settings, manifest: Manifest) -> None:
    manifest.built_at = time.time()
    write_atomic(manifest_path(settings), manifest.to_json())


def collection_name(index_id: str, embedding: str, generation: int) -> str:
    """Collections are named by index and embedding model: vectors of two models
    never mix, and several indexes can share one Chroma server."""
    digest = hashlib.sha1(embedding.encode()).hexdigest()[:10]
    return f"{collection_prefix(index_id)}{digest}_g{generation}"


def collection_prefix(index_id: str) -> str:
    return f"rag_{index_id}_"


def new_index_id() -> str:
    return uuid.uuid4().hex[:12]


def sentence_collection_name(chunk_collection: str) -> str:
    """Every chunk collection has a twin holding one vector per sentence of each chunk."""
    return f"{chunk_collection}_sentences"


def get_client(settings: Settings):
    """Embedded PersistentClient under index/chroma, or an HttpClient for a `chroma run` server."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise IndexProblem(f"RAG_CHROMA_URL={settings.chroma_url!r} is not a URL like http://127.0.0.1:8000")
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:
            raise IndexProblem(f"Cannot reach the Chroma server at {settings.chroma_url}: {exc}") from exc
    path = chroma_dir(settings)
    path.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:
        raise IndexProblem(f"The vector database in {path} cannot be opened ({exc}). Rebuild it with: rag index --full") from exc


def forget_clients() -> None:
    """Drop chromadb's per-path cache of embedded databases, so the next client
    reads the files afresh. An embedded database caches its segments in the
    process; after another process (a `rag index`) wrote to it, that cache is
    stale and reads fail ("Error finding id")."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


def chroma_dir(settings: Settings) -> Path:
    return settings.index_dir / "chroma"


def open_collection(client, name: str, embedding: str, create: bool = False):
    if create:
        return client.get_or_create_collection(name, metadata={"hnsw:space": "cosine", "embedding_model": embedding})
    try:
        return client.get_collection(name)
    except Exception as exc:
        raise IndexMissingError(f"The index collection {name!r} is missing. Rebuild it with: rag index --full") from exc


def vector_store(collection):
    from llama_index.vector_stores.chroma import ChromaVectorStore

    return ChromaVectorStore(chroma_collection=collection)


# --- documents as cleaned, for showing a passage in its article ------------


def _doc_file(settings: Settings, doc_id: str, sha256: str) -> Path:
    # One file per article version: a rebuild writes the new version beside the
    # old one, which readers of the old manifest still use.
    key = hashlib.sha1(f"{doc_id}\0{sha256}".encode()).hexdigest()[:20]
    return settings.index_dir / "docs" / f"{key}.json"


def save_document(settings: Settings, doc) -> None:
    data = {**doc.metadata, "text": doc.text, "sections": [asdict(s) for s in doc.sections]}
    write_atomic(_doc_file(settings, doc.doc_id, doc.sha256), json.dumps(data, ensure_ascii=False), durable=False)


def load_document_record(settings: Settings, doc_id: str) -> dict | None:
    """The cleaned article as the current index holds it (passage offsets point into its text)."""
    manifest = read_manifest(settings)
    entry = manifest.files.get(doc_id) if manifest else None
    path = _doc_file(settings, doc_id, entry.sha256) if entry else None
    return json.loads(path.read_text(encoding="utf-8")) if path and path.exists() else None


def prune_document_records(settings: Settings, manifest: Manifest) -> None:
    """Remove the records of article versions the manifest no longer lists."""
    keep = {_doc_file(settings, doc_id, entry.sha256).name for doc_id, entry in manifest.files.items()}
    folder = settings.index_dir / "docs"
    for path in folder.glob("*.json") if folder.exists() else []:
        if path.name not in keep:
            path.unlink(missing_ok=True)


# --- one writer at a time ---------------------------------------------------


@contextlib.contextmanager
def build_lock(settings: Settings, wait: bool = True):
    """Serialize rebuilds across processes: a second `rag index` waits for the first."""
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.index_dir / ".build.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise IndexProblem("Another rebuild of this index is running; try again when it has finished.") from None
            print("Another rebuild of this index is running; waiting for it to finish...", file=sys.stderr)
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
