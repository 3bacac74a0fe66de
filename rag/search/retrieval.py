"""Find the passages that answer a question.

`Passage` is what every later stage (answers, UI, eval) consumes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from rag.core.config import RECENCY_FLOOR, SHORT_SENTENCE_WORDS, ScoreWeights, SentenceWeights, Settings
from rag.core.text import detect_language
from rag.index.embeddings import configured_id, configured_model, latent_model
from rag.index.latent import LatentIndex, LatentRows
from rag.index.lexical import LexicalIndex, index_tokens
from rag.index.store import IndexMismatchError, IndexMissingError, Manifest, get_client, open_collection, read_manifest, sentence_collection_name
from rag.search.dense import ChromaDense, MemoryDense
from rag.search.filters import Scope, iso_day
from rag.search.fusion import collapse_near_duplicates, reciprocal_rank_fusion
from rag.search.kinds import PATTERNS, candidates
from rag.search.questions import answer_kind, asks_latest


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


class Sentence(NamedTuple):
    """A sentence of a retrieved passage, offsets into its article."""

    start: int
    end: int
    text: str
    score: float  # how likely it holds the answer: the ranking (config.SentenceWeights)
    similarity: float  # cosine with the question(s) alone: what abstention is calibrated on


def sentence_score(weights, similarity: float, latent: float, passage_rank: int, overlap: float, words: int, kind: bool = False) -> float:
    """The fitted ranking of a sentence (config.SentenceWeights); passage_rank
    from 1; kind: it holds a number or date of the kind the question asks for."""
    return (
        weights.similarity * similarity
        + weights.latent * latent
        + weights.passage_rank / passage_rank
        + weights.overlap * overlap
        + (weights.short if words < SHORT_SENTENCE_WORDS else 0.0)
        + (weights.kind if kind else 0.0)
    )


def newest_first(scored: list[tuple[str, float, str]], day: dict[str, str]) -> list[tuple[str, float, str]]:
    """For "what is the latest ...": among the passages scoring at least
    RECENCY_FLOOR of the best, the newest article first (undated ones after the
    dated, by score); the rest keep their order below them."""
    if not scored:
        return scored
    floor = RECENCY_FLOOR * scored[0][1]
    relevant = [item for item in scored if item[1] >= floor]
    rest = [item for item in scored if item[1] < floor]
    relevant.sort(key=lambda item: day.get(item[0], ""), reverse=True)  # stable: equal days keep score order
    return relevant + rest


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
    wanted = configured_id(settings)
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
    tokens (rag.index.lexical). Hybrid: both, fused by reciprocal rank with weights
    chosen by the question's language. Near-duplicates are collapsed in all modes.
    """

    def __init__(self, settings: Settings, manifest: Manifest) -> None:
        self.settings = settings
        self.manifest = manifest
        client = get_client(settings)
        chunks = open_collection(client, manifest.collection, manifest.embedding)
        sentences = open_collection(client, sentence_collection_name(manifest.collection), manifest.embedding)
        in_memory = chunks.count() + sentences.count() <= settings.memory_vectors
        self._dense = (MemoryDense if in_memory else ChromaDense)(chunks, sentences, manifest.live_chunks)
        self.embed_model = configured_model(settings)
        self.embed_query = lru_cache(maxsize=8)(self.embed_model.get_query_embedding)  # ask() embeds each question once
        rows = LexicalIndex.load_rows(settings.index_dir / manifest.lexical) if manifest.lexical else []
        if manifest.files and not rows:
            raise IndexMissingError("The lexical index is missing. Rebuild with: rag index --full")
        self.lexical = LexicalIndex.build(rows)
        self.latent = self._load_latent(settings, manifest)
        self._chunk_day = {c: iso_day(f.date) for f in manifest.files.values() for c in f.chunks}

    def _load_latent(self, settings: Settings, manifest: Manifest) -> LatentIndex | None:
        model = latent_model(self.embed_model)
        if not (manifest.latent and model and settings.latent == "on"):
            return None
        rows = LatentRows.load(settings.index_dir / manifest.lexical)
        if rows is None:
            raise IndexMissingError("The latent terms of the index are missing. Rebuild with: rag index --full")
        index = LatentIndex(rows, manifest.live_chunks)
        # One pass of the model and one sparse product per question, shared by
        # passage scoring and sentence ranking.
        self.latent_scores = lru_cache(maxsize=8)(lambda q: index.scores(index.query_vector(model.latent([q])[0])))
        if isinstance(self._dense, MemoryDense):  # the in-memory path asks for every passage: map ids once
            self._latent_order = np.array([index.position.get(i, -1) for i in self._dense.ids], dtype=np.int64)
        return index

    def _latent_lookup(self, question: str, weights: ScoreWeights):
        """For dense scoring: ids -> (latent cosine of the best sentence, of the passage)."""
        if self.latent is None or not (weights.latent_sentence or weights.latent_passage):
            return None  # spares the model's second pass over the question
        best, pooled, _ = self.latent_scores(question)
        best, pooled = np.append(best, 0.0), np.append(pooled, 0.0)  # position -1: no latent row

        def lookup(ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
            if isinstance(self._dense, MemoryDense) and ids is self._dense.ids:
                order = self._latent_order
            else:
                assert self.latent is not None  # checked before the lookup is made
                order = np.array([self.latent.position.get(i, -1) for i in ids], dtype=np.int64)
            return best[order], pooled[order]

        return lookup

    @property
    def dense_path(self) -> str:
        """ "memory" (exact, all vectors in RAM) or "chroma" (ANN queries)."""
        return "memory" if isinstance(self._dense, MemoryDense) else "chroma"

    def dense(self, question: str, k: int, extra: Sequence[str] = (), language: str | None = None, scope: Scope | None = None) -> list[tuple[str, float]]:
        weights = self.settings.weights(language or detect_language(question))
        return self._dense.scores(self.embed_query(question), k, weights, self._latent_lookup(question, weights), extra, scope)

    def sentence_scores(self, passages: list[Passage], *questions: str, weights: SentenceWeights | None = None) -> dict[str, list[Sentence]]:
        """Each passage's sentences, scored as holding the answer to the
        questions (their mean, config.SentenceWeights of the first question's
        language unless given): {chunk_id: [Sentence, ...]} in text order."""
        weights = weights or self.settings.sentence_weights(detect_language(questions[0]))
        queries = np.asarray([self.embed_query(q) for q in questions], dtype=np.float32)
        # Word overlap with the question asked last: a follow-up's own words
        # ("and how many children?") say what it asks; the joined question
        # would favour the sentence that answered the question before.
        asked = set(self.lexical_query(questions[-1], detect_language(questions[-1]))) if weights.overlap else set()
        # The kind likewise: "and when?" after "how many ...?" asks for a date.
        kind = bool(weights.kind) and answer_kind(questions[-1]) in PATTERNS
        rank = {p.chunk_id: n for n, p in enumerate(passages, 1)}
        found: dict[str, list[Sentence]] = {p.chunk_id: [] for p in passages}
        sentences = self._dense.sentences(list(found))
        latent = self._sentence_latent(questions, [(s["parent"], s["start"]) for s in sentences]) if weights.latent else {}
        for s in sentences:
            similarity = float(np.mean(queries @ np.asarray(s["vector"], dtype=np.float32)))
            overlap = len(asked & set(index_tokens(s["text"]))) / len(asked) if asked else 0.0
            lat = latent.get((s["parent"], s["start"]), 0.0)
            holds = kind and bool(candidates(s["text"], questions[-1]))
            score = sentence_score(weights, similarity, lat, rank[s["parent"]], overlap, len(s["text"].split()), holds)
            found[s["parent"]].append(Sentence(s["start"], s["end"], s["text"], round(score, 4), similarity))
        return {k: sorted(v) for k, v in found.items()}

    def _sentence_latent(self, questions, keys: list[tuple[str, int]]) -> dict[tuple[str, int], float]:
        """The latent cosine of these sentences (parent, start), mean over the questions."""
        if self.latent is None:
            return {}
        rows = np.array([self.latent.sentence_position.get(k, -1) for k in keys], dtype=np.int64)
        found = rows >= 0  # a sentence without a latent row scores 0
        mean = np.mean([np.where(found, self.latent_scores(q)[2][np.maximum(rows, 0)], 0.0) for q in questions], axis=0)
        return dict(zip(keys, mean.tolist()))

    def ranked_sentences(self, passages: list[Passage], *questions: str, weights: SentenceWeights | None = None) -> list[Sentence]:
        """Every sentence of the passages once (overlapping passages share one),
        best first: the candidates for the extractive answer."""
        unique: dict[tuple[str, int], Sentence] = {}
        scored = self.sentence_scores(passages, *questions, weights=weights)
        for passage in passages:
            for s in scored.get(passage.chunk_id, []):
                unique.setdefault((passage.doc_id, s.start), s)
        return sorted(unique.values(), key=lambda s: -s.score)

    def lexical_query(self, question: str, language: str) -> list[str]:
        return self.lexical.query_tokens(question, names=language == "en" and self.settings.cross_lingual == "names")

    def retrieve(self, question: str, k: int, mode: str | None = None, scope: Scope | None = None) -> list[Passage]:
        """The k best passages; with a scope, of its articles only (rag.search.filters).
        A question asking for the latest news gets the newest of the relevant passages first."""
        mode = mode or self.settings.retrieval
        if k <= 0 or not self.manifest.files or (scope is not None and not scope.chunks):
            return []
        if mode not in ("dense", "lexical", "hybrid"):
            raise ValueError(f"Unknown retrieval mode {mode!r}: use hybrid, dense or lexical.")
        language = detect_language(question)
        depth = max(k, self.settings.candidates)
        rankings: dict[str, list[tuple[str, float]]] = {}
        if mode in ("lexical", "hybrid"):
            rankings["lexical"] = self.lexical.search(self.lexical_query(question, language), depth, scope.chunks if scope else None)
        if mode in ("dense", "hybrid"):
            rankings["dense"] = self.dense(question, depth, [i for i, _ in rankings.get("lexical", [])], language, scope)
        if mode == "hybrid":
            weights = {"dense": 1.0, "lexical": self.settings.weights(language).lexical}
            ordered = {"dense": [i for i, _ in rankings["dense"]], "lexical": [i for i, _ in rankings["lexical"]]}
            fused = reciprocal_rank_fusion(ordered, weights)
            scored = [(f.id, f.score, "+".join(f.sources)) for f in fused]
        else:
            scored = [(i, score, mode) for i, score in rankings[mode]]
        if asks_latest(question):
            scored = newest_first(scored, self._chunk_day)
        keep = collapse_near_duplicates([i for i, _, _ in scored], self.lexical.token_sets, self.settings.dedupe_threshold, limit=k)
        records = self._dense.records(keep)
        by_id = {i: (score, source) for i, score, source in scored}
        return [passage_from_record(i, *records[i], *by_id[i]) for i in keep if i in records]
