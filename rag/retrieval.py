"""Find the passages that answer a question.

`Passage` is what every later stage (answers, UI, eval) consumes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np

from .config import Settings
from .dense import ChromaDense, MemoryDense
from .embeddings import embedding_id, get_embedding
from .fusion import collapse_near_duplicates, reciprocal_rank_fusion
from .lexical import LexicalIndex
from .text import detect_language
from .store import IndexMismatchError, IndexMissingError, Manifest, get_client, open_collection, read_manifest, sentence_collection_name


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


def passage_from_record(chunk_id: str, text: str, meta: dict, score: float, retriever: str) -> Passage:
    return Passage(
        chunk_id=chunk_id,
        doc_id=meta.get("doc_id", ""),
        title=meta.get("title", ""),
        text=text,
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
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


class Retriever:
    """Dense, lexical or hybrid search over one index state (one manifest).

    Dense: passage and sentence vectors of the Chroma collections (rag.dense),
    queried with the model that built them. Lexical: BM25 over Arabic-aware
    tokens (rag.lexical). Hybrid: both, fused by reciprocal rank with weights
    chosen by the question's language. Near-duplicates are collapsed in all modes.
    """

    def __init__(self, settings: Settings, manifest: Manifest) -> None:
        self.settings = settings
        self.manifest = manifest
        client = get_client(settings)
        chunks = open_collection(client, manifest.collection, manifest.embedding)
        sentences = open_collection(client, sentence_collection_name(manifest.collection), manifest.embedding)
        in_memory = chunks.count() + sentences.count() <= settings.memory_vectors
        self._dense = (MemoryDense if in_memory else ChromaDense)(chunks, sentences, settings.sentence_weight, manifest.live_chunks)
        self.embed_model = get_embedding(settings.embedding, settings.embed_batch_size)
        self.embed_query = lru_cache(maxsize=8)(self.embed_model.get_query_embedding)  # ask() embeds each question once
        rows = LexicalIndex.load_rows(settings.index_dir / manifest.lexical) if manifest.lexical else []
        if manifest.files and not rows:
            raise IndexMissingError("The lexical index is missing. Rebuild with: rag index --full")
        self.lexical = LexicalIndex.build(rows)

    @property
    def dense_path(self) -> str:
        """"memory" (exact, all vectors in RAM) or "chroma" (ANN queries)."""
        return "memory" if isinstance(self._dense, MemoryDense) else "chroma"

    def dense(self, question: str, k: int, extra: list[str] = ()) -> list[tuple[str, float]]:
        return self._dense.scores(self.embed_query(question), k, extra)

    def sentence_scores(self, passages: list[Passage], *questions: str) -> dict[str, list[tuple[int, int, str, float]]]:
        """Each passage's sentences with their mean similarity to the questions:
        {chunk_id: [(start, end, text, score), ...]} in text order."""
        queries = np.asarray([self.embed_query(q) for q in questions], dtype=np.float32)
        found: dict[str, list[tuple[int, int, str, float]]] = {p.chunk_id: [] for p in passages}
        for s in self._dense.sentences(list(found)):
            score = float(np.mean(queries @ np.asarray(s["vector"], dtype=np.float32)))
            found[s["parent"]].append((s["start"], s["end"], s["text"], score))
        return {k: sorted(v) for k, v in found.items()}

    def lexical_query(self, question: str, language: str) -> list[str]:
        return self.lexical.query_tokens(question, names=language == "en" and self.settings.cross_lingual == "names")

    def retrieve(self, question: str, k: int, mode: str | None = None) -> list[Passage]:
        mode = mode or self.settings.retrieval
        if k <= 0 or not self.manifest.files:
            return []
        if mode not in ("dense", "lexical", "hybrid"):
            raise ValueError(f"Unknown retrieval mode {mode!r}: use hybrid, dense or lexical.")
        language = detect_language(question)
        depth = max(k, self.settings.candidates)
        rankings: dict[str, list[tuple[str, float]]] = {}
        if mode in ("lexical", "hybrid"):
            rankings["lexical"] = self.lexical.search(self.lexical_query(question, language), depth)
        if mode in ("dense", "hybrid"):
            rankings["dense"] = self.dense(question, depth, [i for i, _ in rankings.get("lexical", [])])
        if mode == "hybrid":
            weights = {"dense": 1.0, "lexical": self.settings.lexical_weight_ar if language == "ar" else self.settings.lexical_weight_en}
            ordered = {"dense": [i for i, _ in rankings["dense"]], "lexical": [i for i, _ in rankings["lexical"]]}
            fused = reciprocal_rank_fusion(ordered, weights)
            scored = [(f.id, f.score, "+".join(f.sources)) for f in fused]
        else:
            scored = [(i, score, mode) for i, score in rankings[mode]]
        keep = collapse_near_duplicates([i for i, _, _ in scored], self.lexical.token_sets, self.settings.dedupe_threshold, limit=k)
        records = self._dense.records(keep)
        by_id = {i: (score, source) for i, score, source in scored}
        return [passage_from_record(i, *records[i], *by_id[i]) for i in keep if i in records]
