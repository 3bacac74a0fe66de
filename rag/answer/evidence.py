"""What the model reads: the best sentences of the best passages, numbered [1..m]
(pure functions).

On a laptop CPU reading the prompt is most of an answer's time, so the model
gets sentences, not whole passages. Two choices make those sentences hold the
answer more often:

- every passage's best sentence comes before any passage's second best, so one
  passage that repeats the question's words cannot fill the budget while the
  passage with the answer (often in other words) is left out;
- the best sentences bring the sentence that follows them, as a sentence window
  does: news prose continues a thought across sentences ("Both are under
  sanctions." "Russia for ..., Pyongyang for ...").
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.answer.guard import looks_like_injection
from rag.core.config import SHORT_SENTENCE_WORDS, Settings
from rag.core.text import normalize
from rag.search.retrieval import Passage, Sentence


@dataclass(frozen=True)
class Evidence:
    """One numbered passage as the model sees it: its chosen sentences."""

    n: int
    passage: Passage
    sentences: tuple[Sentence, ...]  # in text order

    def render(self) -> str:
        return f"[{self.n}] " + " ".join(s.text for s in self.sentences)


def select_evidence(passages: list[Passage], sentences: dict[str, list[Sentence]], settings: Settings) -> list[Evidence]:
    """The best sentences of the best passages within the settings' budgets,
    each best one with the sentence after it; numbered 1..m in the passages'
    rank order. `sentences`: every sentence of each passage, in text order."""
    ranked = []  # (place in its passage: 0 for the best, -similarity, passage rank, sentence)
    for rank, passage in enumerate(passages[: settings.evidence_passages]):
        by_score = sorted(sentences.get(passage.chunk_id, []), key=lambda s: -s[3])
        ranked += [(place, -s[3], rank, s) for place, s in enumerate(by_score[: settings.evidence_per_passage])]
    chosen: dict[int, set[Sentence]] = {}
    seen: set[str] = set()
    words = 0

    def take(rank: int, sentence: Sentence, budget: int) -> bool:
        nonlocal words
        key, size = normalize(sentence[2]), len(sentence[2].split())
        # A repeat, orders aimed at the model, or over budget (the first sentence always fits).
        if key in seen or looks_like_injection(sentence[2]) or (chosen and words + size > budget):
            return False
        seen.add(key)
        chosen.setdefault(rank, set()).add(sentence)
        words += size
        return True

    count = 0
    for _, _, rank, sentence in sorted(ranked):
        if count < settings.evidence_sentences:
            count += take(rank, sentence, settings.evidence_words)
    best = sorted(((s, rank) for rank, group in chosen.items() for s in group), key=lambda item: -item[0][3])
    for sentence, rank in best[: settings.evidence_context]:
        following = _following(sentences.get(passages[rank].chunk_id, []), sentence)
        if following is not None:
            take(rank, following, settings.evidence_context_words)
    return [Evidence(n, passages[rank], tuple(sorted(chosen[rank]))) for n, rank in enumerate(sorted(chosen), 1)]


def _following(in_order: list[Sentence], sentence: Sentence) -> Sentence | None:
    after = [s for s in in_order if s[0] > sentence[0]]
    return min(after, default=None)


def is_full(sentence: Sentence) -> bool:
    # Headings and captions are similar to a question, rarely its answer.
    return len(sentence.text.split()) >= SHORT_SENTENCE_WORDS


def best_sentence(evidence: list[Evidence]) -> tuple[Evidence, Sentence] | None:
    """The evidence sentence ranked most likely to hold the answer. A short one
    can win: the ranking's fitted `short` weight already counts against headings
    and captions, and "توفي تسلا في 7 يناير 1943." is an answer. Passing over
    every short sentence as well cost the verified answer 0.3 to 1.3 points on
    each half of xquad-dev's 1,244 questions in both languages (issue 13's
    note), and one question per language of bench_answers.py's xquad sample."""
    candidates = [(item, s) for item in evidence for s in item.sentences]
    return max(candidates, key=lambda pair: pair[1].score, default=None)


def ranked_full_sentences(evidence: list[Evidence]) -> list[tuple[Evidence, Sentence]]:
    """Every full evidence sentence with its passage, best ranked first."""
    return sorted(((item, s) for item in evidence for s in item.sentences if is_full(s)), key=lambda pair: -pair[1].score)


def support(sentences: dict[str, list[Sentence]]) -> float:
    """How similar the closest (full) sentence of the retrieved passages is to
    the question: below a threshold the articles are taken not to hold the
    answer. Similarity, not the ranking score: the thresholds are cosines."""
    every = [s for group in sentences.values() for s in group]
    return max((s.similarity for s in [s for s in every if is_full(s)] or every), default=0.0)
