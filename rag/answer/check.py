"""Whether a generated answer or translation may be shown: its citations,
quotes, numbers and names checked against the passages it cites (the pure
text checks are in rag.answer.guard)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rag.answer.evidence import Evidence
from rag.answer.guard import cited_numbers, clean_markers, repeats_itself, strip_markers, unquoted, unsupported_names, unsupported_numbers, unsupported_words
from rag.answer.prompts import LANGUAGE_NAMES, not_found
from rag.answer.schema import Citation, citation
from rag.core.config import RECITE_MARGIN
from rag.core.text import detect_language, has_letters, normalize
from rag.index.lexical import tokenize
from rag.search.retrieval import Sentence

_ABSTAIN = re.compile(
    r"(do|does|did) not (contain|state|mention|say|provide|include|specify)|not (mentioned|stated|provided|given|specified|included) in"
    r"|no information|(cannot|can't|could not) (be )?(find|found|determine|answer)"
    r"|لا (تتضمن|تحتوي|تذكر|يوجد|تشير|تحدد)|لم (يرد|يذكر|تذكر|تتضمن|ترد)|غير (مذكور|متوفر|متوفره)|لا تتوفر",
    re.I,
)


def is_abstention(text: str, language: str) -> bool:
    normal = normalize(text)
    return normalize(not_found(language)) in normal or bool(_ABSTAIN.search(normal))


@dataclass(frozen=True)
class Problem:
    """Why a text cannot be shown as grounded: a code for programs and tests
    (empty, repeats, language, no_citation, restates, unquoted, numbers, names,
    words), and a detail for logs and the API."""

    code: str
    detail: str

    def __str__(self) -> str:
        return self.detail


@dataclass
class Verdict:
    text: str
    citations: list[Citation]
    abstained: bool = False
    problem: Problem | None = None  # set when the answer cannot be shown as grounded
    translated: bool = False  # written in another language than the cited passage


def tidy(text: str) -> str:
    """Small-model slips: a stray article before a word that has one ("ال المتحدث")."""
    return re.sub(r"(^|\s)ال\s+(?=ال)", r"\1", text).strip()


# The similarity of an answer to each evidence sentence, {(n, sentence start): score}:
# multilingual embeddings tell which Arabic sentence an English answer restates.
Closeness = Callable[[str], dict[tuple[int, int], float]]


def check(raw: str, evidence: list[Evidence], question: str, language: str, closeness: Closeness | None = None) -> Verdict:
    """Validate a generated answer against the evidence it cites.

    An answer that cites no passage, or one that does not support it, is
    re-cited to the supporting passage closest to it in meaning (the best-ranked
    without `closeness`): small models misnumber and drop markers. When no
    passage supports it, it is rejected.
    """
    by_n = {e.n: e for e in evidence}
    text = tidy(clean_markers(raw, set(by_n)))
    if not strip_markers(text).strip():
        return Verdict("", [], problem=Problem("empty", "the model gave no answer"))
    if is_abstention(text, language):
        return Verdict(not_found(language), [], abstained=True)
    body = strip_markers(text)
    if repeats_itself(text):
        return Verdict(text, [], problem=Problem("repeats", "the answer repeats itself"))
    if has_letters(body) and detect_language(body) != language:
        return Verdict(text, [], problem=Problem("language", f"the answer is not in {LANGUAGE_NAMES[language]}"))
    cited = [n for n in cited_numbers(text) if n in by_n]
    quoted = " ".join(by_n[n].passage.text for n in cited)
    problem = _unsupported(text, quoted, question) if cited else Problem("no_citation", "the answer cites no passage")
    if problem:
        supporting = [e.n for e in evidence if not _unsupported(text, e.passage.text, question)]
        if not supporting:
            return Verdict(text, [], problem=problem)
        near = closeness(text) if closeness else {}
        cited = [max(supporting, key=lambda n: _nearness(near, by_n[n]))]
        text = _cite_only(text, cited[0])
    else:
        # A translation shares no words with its passage, so only its meaning
        # tells a misnumbered citation: one clearly closer passage is the source.
        translated = language != detect_language(" ".join(by_n[n].render() for n in cited))
        near = closeness(text) if closeness and translated else {}
        if near and len(cited) == 1:
            closest = max(evidence, key=lambda e: _nearness(near, e))
            if _nearness(near, closest) - _nearness(near, by_n[cited[0]]) > RECITE_MARGIN and not _unsupported(text, closest.passage.text, question):
                cited = [closest.n]
                text = _cite_only(text, closest.n)
    translated = language != detect_language(" ".join(by_n[n].render() for n in cited))
    return Verdict(text, [citation(by_n[n], _closest_sentence(by_n[n], text, near)) for n in cited], translated=translated)


def _cite_only(text: str, n: int) -> str:
    return clean_markers(text, set()).rstrip(" .") + f" [{n}]."


def _nearness(near: dict[tuple[int, int], float], item: Evidence) -> float:
    return max(near.get((item.n, s[0]), 0.0) for s in item.sentences)


def _unsupported(answer: str, quoted: str, question: str) -> Problem | None:
    """Why the quoted passages do not support the answer, or None when they do."""
    if not set(tokenize(strip_markers(answer))) - set(tokenize(question)):
        return Problem("restates", "the answer only restates the question")
    if quotes := unquoted(answer, quoted):
        return Problem("unquoted", f"quoted words not in the cited passages: {quotes}")
    if numbers := unsupported_numbers(answer, quoted + " " + question):
        return Problem("numbers", f"numbers not in the cited passages: {sorted(numbers)}")
    if names := unsupported_names(answer, quoted, question):
        return Problem("names", f"names not in the cited passages: {names}")
    if words := unsupported_words(answer, quoted, question):
        return Problem("words", f"words not in the cited passages: {words}")
    return None


def _closest_sentence(item: Evidence, answer: str, near: dict[tuple[int, int], float]) -> Sentence:
    """The evidence sentence sharing most words with the answer, or closest to
    it in meaning (a translation shares no words), for highlighting."""
    tokens = set(tokenize(strip_markers(answer)))
    return max(item.sentences, key=lambda s: (len(tokens & set(tokenize(s[2]))), near.get((item.n, s[0]), 0.0), s[3]))


def translation_problem(translation: str, source: str) -> Problem | None:
    """Why a machine translation cannot stand for its source sentence, or None:
    every number kept and none added, no name the source lacks, in English. A
    small model's translation can echo its instructions or swap facts."""
    if not has_letters(translation) or detect_language(translation) != "en":
        return Problem("language", "the translation is not English")
    if unsupported_numbers(translation, source) or unsupported_numbers(source, translation):
        return Problem("numbers", "the translation changed a number")
    if names := unsupported_names(translation, source, ""):
        return Problem("names", f"the translation added names: {names}")
    return None
