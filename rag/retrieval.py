"""Find the passages that answer a question.

`Passage` is what every later stage (answers, UI, eval) consumes. The dense
retriever is llama-index's vector retriever over the Chroma collection the
manifest names, with the embedding model that built it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from .config import Settings
from .embeddings import embedding_id, get_embedding
from .store import IndexMismatchError, IndexMissingError, Manifest, get_client, open_collection, read_manifest, vector_store


@dataclass(frozen=True)
class Passage:
    chunk_id: str
    doc_id: str
    title: str
    text: str
    start: int
    end: int
    score: float
    section: int = 0
    section_kind: str = "main"
    section_title: str = ""
    source: str = ""
    date: str = ""
    path: str = ""
    retriever: str = "dense"

    def to_dict(self) -> dict:
        return asdict(self)


def passage_from_node(node_with_score, retriever: str) -> Passage:
    node = node_with_score.node
    meta = node.metadata
    # Chroma returns exp(-cosine distance); report the cosine similarity itself.
    raw = node_with_score.score or 0.0
    score = 1.0 + math.log(raw) if raw > 0 else 0.0
    return Passage(
        chunk_id=node.node_id,
        doc_id=meta.get("doc_id", ""),
        title=meta.get("title", ""),
        text=node.get_content(),
        start=int(meta.get("start", node.start_char_idx or 0)),
        end=int(meta.get("end", node.end_char_idx or 0)),
        score=round(score, 4),
        section=int(meta.get("section", 0)),
        section_kind=meta.get("section_kind", "main"),
        section_title=meta.get("section_title", ""),
        source=meta.get("source", ""),
        date=meta.get("date", ""),
        path=meta.get("path", ""),
        retriever=retriever,
    )


def load_manifest_for_search(settings: Settings) -> Manifest:
    manifest = read_manifest(settings)
    if manifest is None:
        raise IndexMissingError(f"There is no index in {settings.index_dir}. Build it with: rag index")
    wanted = embedding_id(settings.embedding)
    if manifest.embedding != wanted:
        raise IndexMismatchError(
            f"The index was built with the embedding model {manifest.embedding}, but {wanted} is configured. "
            "Run `rag index` to build an index for the configured model (vectors of two models never mix)."
        )
    return manifest


class DenseRetriever:
    """Vector search over the live collection."""

    def __init__(self, settings: Settings, manifest: Manifest) -> None:
        from llama_index.core import VectorStoreIndex

        self.manifest = manifest
        collection = open_collection(get_client(settings), manifest.collection, manifest.embedding)
        self.embed_model = get_embedding(settings.embedding, settings.embed_batch_size)
        self._index = VectorStoreIndex.from_vector_store(vector_store(collection), embed_model=self.embed_model)

    def retrieve(self, question: str, k: int) -> list[Passage]:
        if k <= 0 or not self.manifest.files:
            return []
        retriever = self._index.as_retriever(similarity_top_k=k)
        return [passage_from_node(n, "dense") for n in retriever.retrieve(question)]
