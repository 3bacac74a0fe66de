"""Combine ranked lists and remove near-duplicates (pure functions).

Reciprocal rank fusion needs no score calibration between BM25 and cosine
similarity, which live on unrelated scales; per-retriever weights let the
question's language decide how much lexical evidence counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.core.config import RRF_K


@dataclass(frozen=True)
class Fused:
    id: str
    score: float
    sources: tuple[str, ...]  # which retrievers found it, in the order given


def reciprocal_rank_fusion(rankings: dict[str, list[str]], weights: dict[str, float], k: int = RRF_K) -> list[Fused]:
    """sum(weight / (k + rank)) over the retrievers that ranked each id; best first.

    Ties keep the order of first appearance (dense before lexical when given so).
    """
    scores: dict[str, float] = {}
    sources: dict[str, list[str]] = {}
    for name, ids in rankings.items():
        weight = weights.get(name, 1.0)
        if weight <= 0:
            continue
        for rank, item in enumerate(dict.fromkeys(ids), 1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
            sources.setdefault(item, []).append(name)
    order = sorted(scores, key=lambda item: -scores[item])  # stable: first appearance wins ties
    return [Fused(item, round(scores[item], 6), tuple(sources[item])) for item in order]


def containment(a: set[str], b: set[str]) -> float:
    """Share of the smaller token set that the larger one contains."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def collapse_near_duplicates(ids: list[str], tokens: dict[str, set[str]], threshold: float = 0.8, limit: int | None = None) -> list[str]:
    """Keep the first of any group of passages that mostly repeat one another
    (a caption printed twice, one news item pasted into two articles); stop
    once `limit` passages are kept."""
    kept: list[str] = []
    for item in ids:
        if limit is not None and len(kept) >= limit:
            break
        mine = tokens.get(item, set())
        if all(containment(mine, tokens.get(other, set())) < threshold for other in kept):
            kept.append(item)
    return kept
