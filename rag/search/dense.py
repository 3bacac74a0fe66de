"""Dense scoring of passages: passage vector, best sentence, latent terms.

score = weighted mean of cosine(query, passage), max cosine(query, sentence of
passage) and, when the index has them, the latent-term cosines of the best
sentence and of the passage (rag.index.latent); the weights are config.ScoreWeights.

Measured on the dev questions, the best sentence finds the exact fact that a
whole-passage vector blurs, and both together beat either alone; the latent
terms carry English questions to Arabic passages (rag.index.latent).

Two ways to compute it over the same Chroma collections:

- `MemoryDense` reads every vector once per index state and scores all of them
  with one matrix product: exact, and a few milliseconds where a Chroma query
  costs several. Used while the index holds at most `memory_vectors` vectors.
- `ChromaDense` asks Chroma's ANN index for the nearest passages and sentences
  and scores those candidates: for indexes too large to hold in memory, and for
  a shared `chroma run` server.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from rag.core.config import ScoreWeights
from rag.search.filters import Scope


def mix(weights: ScoreWeights, passage, sentence, latent: tuple | None = None):
    """The weighted mean of the available cosines (arrays or floats)."""
    total = weights.passage * passage + weights.sentence * sentence
    norm = weights.passage + weights.sentence
    if latent is not None:
        total = total + weights.latent_sentence * latent[0] + weights.latent_passage * latent[1]
        norm += weights.latent_sentence + weights.latent_passage
    return total / (norm or 1.0)


def _sentence_rows(metas: list, texts: list, vectors) -> list[dict]:
    return [
        {"parent": m["parent"], "start": int(m.get("start", 0)), "end": int(m.get("end", 0)), "text": t or "", "vector": v}
        for m, t, v in zip(metas, texts, vectors)
    ]


def _records(collection, ids: list[str]) -> dict[str, tuple[str, dict]]:
    if not ids:
        return {}
    got = collection.get(ids=ids, include=["documents", "metadatas"])
    return {i: (text or "", meta or {}) for i, text, meta in zip(got["ids"], got["documents"], got["metadatas"])}


class MemoryDense:
    def __init__(self, chunks, sentences, live: set[str]) -> None:
        got = chunks.get(include=["embeddings", "documents", "metadatas"])
        keep = [n for n, i in enumerate(got["ids"]) if i in live]  # this index state only
        self.ids: list[str] = [got["ids"][n] for n in keep]
        self._records = {got["ids"][n]: (got["documents"][n] or "", got["metadatas"][n] or {}) for n in keep}
        dim = len(got["embeddings"][0]) if self.ids else 1
        self._chunks = np.asarray(got["embeddings"], dtype=np.float32).reshape(-1, dim)[keep]
        self._position = {i: n for n, i in enumerate(self.ids)}
        sent = sentences.get(include=["embeddings", "metadatas", "documents"])
        keep = [n for n, m in enumerate(sent["metadatas"]) if m["parent"] in self._position]
        metas = [sent["metadatas"][n] for n in keep]
        self._sentences = np.asarray(sent["embeddings"], dtype=np.float32).reshape(-1, dim)[keep]
        self._parent = np.array([self._position[m["parent"]] for m in metas], dtype=np.int64)
        self._by_parent: dict[str, list[dict]] = {}
        for row in _sentence_rows(metas, [sent["documents"][n] for n in keep], self._sentences):
            self._by_parent.setdefault(row["parent"], []).append(row)

    def scores(
        self, query: list[float], k: int, weights: ScoreWeights, latent=None, extra: Sequence[str] = (), scope: Scope | None = None
    ) -> list[tuple[str, float]]:
        """The k best passages (of the scope's articles), plus `extra`, with their exact scores."""
        if not self.ids:
            return []
        q = np.asarray(query, dtype=np.float32)
        passage = self._chunks @ q
        best = np.full(len(self.ids), -np.inf, dtype=np.float32)
        np.maximum.at(best, self._parent, self._sentences @ q)
        best = np.where(np.isinf(best), passage, best)  # a passage without sentence vectors counts its own
        score = mix(weights, passage, best, latent(self.ids) if latent else None)
        by_score = (self.ids[n] for n in np.argsort(-score))
        chosen = list(itertools.islice((i for i in by_score if scope is None or i in scope.chunks), k))
        seen = set(chosen)
        chosen += [i for i in extra if i in self._position and i not in seen]
        ranked = sorted(chosen, key=lambda i: -score[self._position[i]])
        return [(i, round(float(score[self._position[i]]), 4)) for i in ranked]

    def records(self, ids: list[str]) -> dict[str, tuple[str, dict]]:
        return {i: self._records[i] for i in ids if i in self._records}

    def sentences(self, chunk_ids: list[str]) -> list[dict]:
        """Sentences of the given passages: parent, start, end, text, vector."""
        return [row for i in chunk_ids for row in self._by_parent.get(i, [])]


class ChromaDense:
    def __init__(self, chunks, sentences, live: set[str]) -> None:
        self._chunks = chunks
        self._sentences = sentences
        # A rebuild adds its passages before the manifest switch and deletes the
        # old ones after it: results outside this index state are dropped.
        self._live = live
        self._chunk_count = max(1, chunks.count())
        self._sentence_count = max(1, sentences.count())

    def scores(
        self, query: list[float], k: int, weights: ScoreWeights, latent=None, extra: Sequence[str] = (), scope: Scope | None = None
    ) -> list[tuple[str, float]]:
        """Candidates: the k nearest passages, the passages of the 4k nearest
        sentences and `extra` (of the scope's articles: Chroma filters by
        `where`). A candidate none of whose sentences is among the nearest gets
        the lowest sentence score seen, a bound its best sentence cannot beat by much."""
        if scope is not None and not scope.docs:
            return []
        where = {"doc_id": {"$in": sorted(scope.docs)}} if scope is not None else None
        live = self._live if scope is None else self._live & scope.chunks
        near = self._chunks.query(query_embeddings=[query], n_results=min(k, self._chunk_count), where=where, include=["distances"])
        passage = {i: 1.0 - d for i, d in zip(near["ids"][0], near["distances"][0]) if i in live}
        found = self._sentences.query(query_embeddings=[query], n_results=min(4 * k, self._sentence_count), where=where, include=["metadatas", "distances"])
        best: dict[str, float] = {}
        for meta, distance in zip(found["metadatas"][0], found["distances"][0]):
            if meta["parent"] in live:
                best.setdefault(meta["parent"], 1.0 - distance)  # nearest first
        floor = min(best.values(), default=0.0)
        missing = [i for i in dict.fromkeys([*best, *extra]) if i not in passage and i in live]
        if missing:
            got = self._chunks.get(ids=missing, include=["embeddings"])
            q = np.asarray(query, dtype=np.float32)
            passage.update({i: float(np.dot(q, v)) for i, v in zip(got["ids"], got["embeddings"])})
        ids = list(passage)
        sims = np.array([passage[i] for i in ids], dtype=np.float32)
        bests = np.array([max(best.get(i, floor), floor) for i in ids], dtype=np.float32)
        mixed = mix(weights, sims, bests, latent(ids) if latent and ids else None)
        scores = {i: round(float(v), 4) for i, v in zip(ids, mixed)}
        return sorted(scores.items(), key=lambda item: -item[1])

    def records(self, ids: list[str]) -> dict[str, tuple[str, dict]]:
        return _records(self._chunks, ids)

    def sentences(self, chunk_ids: list[str]) -> list[dict]:
        """Sentences of the given passages: parent, start, end, text, vector."""
        if not chunk_ids:
            return []
        got = self._sentences.get(where={"parent": {"$in": list(chunk_ids)}}, include=["embeddings", "metadatas", "documents"])
        return _sentence_rows(got["metadatas"], got["documents"], got["embeddings"])
