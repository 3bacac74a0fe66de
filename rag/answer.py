"""From a question to a checked answer with numbered citations.

    question ─(follow-up? join with the last question)─> retrieve passages
      ─> evidence: the best sentences of the best passages, numbered [1..m]
      ─> instant extractive answer (the best sentence, cited)
      ─> prompt (prompts/) ─> LLM, streamed
      ─> guard: markers, numbers and names checked against the cited passages
      ─> Answer (or the extractive answer / an abstention when the check fails)
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from .config import Settings
from .guard import cited_numbers, clean_markers, looks_like_injection, strip_markers, unsupported_names, unsupported_numbers, unsupported_words
from .lexical import tokenize
from .llm import LLM, LLMError
from .retrieval import Passage, Retriever
from .text import detect_language, has_letters, normalize

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"
LANGUAGE_NAMES = {"ar": "Arabic", "en": "English"}


@lru_cache(maxsize=None)
def prompt(name: str) -> str:
    path = PROMPTS / name
    if not path.exists():
        raise FileNotFoundError(f"The prompt file {path} is missing.")
    return path.read_text(encoding="utf-8").strip()


def not_found(language: str) -> str:
    return prompt(f"not_found.{language}.txt")


@dataclass(frozen=True)
class Citation:
    n: int
    chunk_id: str
    doc_id: str
    title: str
    source: str
    date: str
    text: str  # the whole passage
    start: int  # the passage, as offsets into the cleaned article
    end: int
    sentence: str  # the sentence that supports the answer
    sentence_start: int
    sentence_end: int
    score: float


@dataclass
class Answer:
    question: str
    text: str
    citations: list[Citation]
    language: str
    abstained: bool
    passages: list[Passage] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    backend: str = "none"
    extractive: bool = False
    standalone_question: str = ""
    generated: str = ""  # what the model wrote, before the guard
    # False for the draft a stream yields before generation starts: the sources
    # and the instant extractive answer, for a UI to show while the model reads.
    final: bool = True

    def to_dict(self) -> dict:
        """JSON-ready: the answer, its citations and the passages it was drawn from."""
        data = asdict(self)
        data["passages"] = [p.to_dict() for p in self.passages]
        return data


@dataclass(frozen=True)
class Evidence:
    """One numbered passage as the model sees it: its best sentences."""

    n: int
    passage: Passage
    sentences: tuple[tuple[int, int, str, float], ...]  # (start, end, text, score) in text order

    def render(self) -> str:
        return f"[{self.n}] " + " ".join(text for _, _, text, _ in self.sentences)


# --- follow-up questions ---------------------------------------------------

# Personal pronouns point back; "this year" or "هذا العام" do not, so demonstratives are left out.
_FOLLOW_UP_EN = re.compile(r"^(and|but|also|so|then|what about|how about)\b|\b(it|its|they|them|their|he|him|his|she|her)\b", re.I)
_FOLLOW_UP_AR = re.compile(r"^(و|ف)|^(ماذا عن|ما عن)|(^|\s)(عنه|عنها|عنهم|منه|منها)(\s|[؟?]|$)")


def is_follow_up(question: str) -> bool:
    """A question that leans on the one before: short, opening with "and", or
    pointing back with a pronoun."""
    text = question.strip()
    pattern = _FOLLOW_UP_AR if detect_language(text) == "ar" else _FOLLOW_UP_EN
    return len(text.split()) <= 4 or bool(pattern.search(text))


def condense(question: str, history: list[tuple[str, str]] | None) -> str:
    """A standalone question for retrieval: a follow-up is joined to the last
    question the user asked, so "and how many shells?" still finds the shells."""
    if not history or not is_follow_up(question):
        return question
    previous = history[-1][0].strip()
    return f"{previous} {question}" if previous else question


# --- evidence and the extractive answer --------------------------------------


def select_evidence(passages: list[Passage], sentences: dict, settings: Settings) -> list[Evidence]:
    """The best sentences of the best passages, within a word budget; numbered
    1..m in the passages' rank order."""
    pool = [(score, rank, start, end, text) for rank, p in enumerate(passages[: settings.evidence_passages]) for start, end, text, score in sentences.get(p.chunk_id, [])]
    chosen: dict[int, list[tuple[int, int, str, float]]] = {}
    seen_texts: set[str] = set()
    words = 0
    for score, rank, start, end, text in sorted(pool, key=lambda item: -item[0]):
        key = normalize(text)
        if key in seen_texts or looks_like_injection(text):  # a repeat, or orders aimed at the model
            continue
        size = len(text.split())
        if chosen and (len(seen_texts) >= settings.evidence_sentences or words + size > settings.evidence_words):
            continue
        seen_texts.add(key)
        chosen.setdefault(rank, []).append((start, end, text, score))
        words += size
    return [Evidence(n, passages[rank], tuple(sorted(chosen[rank]))) for n, rank in enumerate(sorted(chosen), 1)]


SHORT_SENTENCE_WORDS = 8  # headings and captions: similar to a question, rarely its answer


def best_sentence(evidence: list[Evidence]) -> tuple[Evidence, tuple[int, int, str, float]] | None:
    """The evidence sentence most similar to the question, preferring full
    sentences to headings."""
    candidates = [(item, s) for item in evidence for s in item.sentences]
    full = [(item, s) for item, s in candidates if len(s[2].split()) >= SHORT_SENTENCE_WORDS]
    return max(full or candidates, key=lambda pair: pair[1][3], default=None)


def citation(item: Evidence, sentence: tuple[int, int, str, float]) -> Citation:
    p = item.passage
    return Citation(item.n, p.chunk_id, p.doc_id, p.title, p.source, p.date, p.text, p.start, p.end, sentence[2], sentence[0], sentence[1], p.score)


def extractive_answer(evidence: list[Evidence]) -> tuple[str, list[Citation]]:
    """The single sentence that matches the question best, cited."""
    best = best_sentence(evidence)
    if best is None:
        return "", []
    item, sentence = best
    return f"{sentence[2]} [{item.n}]", [citation(item, sentence)]


# --- the prompt ----------------------------------------------------------------


def build_messages(evidence: list[Evidence], question: str, language: str, previous: str = "") -> list[dict]:
    """System rules and worked examples (a fixed prefix llama.cpp keeps cached),
    then the evidence and the question."""
    asked = f"{question}\n(This follows the earlier question: {previous})" if previous else question
    user = prompt("question.txt").format(passages="\n".join(e.render() for e in evidence), question=asked, language=LANGUAGE_NAMES[language])
    messages = [{"role": "system", "content": prompt("system.txt")}]
    for example in json.loads(prompt("examples.json")):
        messages += [{"role": "user", "content": example["user"]}, {"role": "assistant", "content": example["assistant"]}]
    return messages + [{"role": "user", "content": user}]


# --- checking the generated answer ----------------------------------------------

_ABSTAIN = re.compile(
    r"(do|does|did) not (contain|state|mention|say|provide|include|specify)|not (mentioned|stated|provided|given|specified|included) in"
    r"|no information|(cannot|can't|could not) (be )?(find|found|determine|answer)"
    r"|لا (تتضمن|تحتوي|تذكر|يوجد|تشير|تحدد)|لم (يرد|يذكر|تذكر|تتضمن|ترد)|غير (مذكور|متوفر|متوفره)|لا تتوفر",
    re.I,
)


def is_abstention(text: str, language: str) -> bool:
    normal = normalize(text)
    return normalize(not_found(language)) in normal or bool(_ABSTAIN.search(normal))


@dataclass
class Verdict:
    text: str
    citations: list[Citation]
    abstained: bool = False
    problem: str = ""  # why the answer cannot be shown as grounded


def tidy(text: str) -> str:
    """Small-model slips: a stray article before a word that has one ("ال المتحدث")."""
    return re.sub(r"(^|\s)ال\s+(?=ال)", r"\1", text).strip()


def check(raw: str, evidence: list[Evidence], question: str, language: str) -> Verdict:
    """Validate a generated answer against the evidence it cites.

    An answer citing the wrong passage is re-cited when exactly one passage
    supports it (small models misnumber); otherwise it is rejected.
    """
    by_n = {e.n: e for e in evidence}
    text = tidy(clean_markers(raw, set(by_n)))
    if not strip_markers(text).strip():
        return Verdict("", [], problem="the model gave no answer")
    if is_abstention(text, language):
        return Verdict(not_found(language), [], abstained=True)
    body = strip_markers(text)
    if has_letters(body) and detect_language(body) != language:
        return Verdict(text, [], problem=f"the answer is not in {LANGUAGE_NAMES[language]}")
    cited = [n for n in cited_numbers(text) if n in by_n]
    quoted = " ".join(by_n[n].passage.text for n in cited)
    problem = _unsupported(text, quoted, question) if cited else "the answer cites no passage"
    if problem:
        supporting = [e.n for e in evidence if not _unsupported(text, e.passage.text, question)]
        if not supporting:
            return Verdict(text, [], problem=problem)
        cited = supporting[:1]  # the best-ranked passage that supports it
        text = clean_markers(text, set()).rstrip(" .") + f" [{cited[0]}]."
    return Verdict(text, [citation(by_n[n], _closest_sentence(by_n[n], text)) for n in cited])


def _unsupported(answer: str, quoted: str, question: str) -> str:
    """Why the quoted passages do not support the answer, or "" when they do."""
    if not set(tokenize(strip_markers(answer))) - set(tokenize(question)):
        return "the answer only restates the question"
    if numbers := unsupported_numbers(answer, quoted + " " + question):
        return f"numbers not in the cited passages: {sorted(numbers)}"
    if names := unsupported_names(answer, quoted, question):
        return f"names not in the cited passages: {names}"
    if words := unsupported_words(answer, quoted, question):
        return f"words not in the cited passages: {words}"
    return ""


def _closest_sentence(item: Evidence, answer: str) -> tuple[int, int, str, float]:
    """The evidence sentence sharing most words with the answer (for highlighting)."""
    tokens = set(tokenize(strip_markers(answer)))
    return max(item.sentences, key=lambda s: (len(tokens & set(tokenize(s[2]))), s[3]))


# --- the whole pipeline ------------------------------------------------------------


def answer_stream(
    question: str,
    retriever: Retriever,
    llm: LLM,
    settings: Settings,
    history: list[tuple[str, str]] | None = None,
    notices: list[str] | None = None,
) -> Iterator[str | Answer]:
    """Yield a draft Answer (final=False: sources and the extractive answer)
    when a model will generate, the text pieces as they come, then the final Answer.

    The final Answer is authoritative: when the guard rejects the generated
    text, it carries the extractive answer or an abstention instead.
    """
    started = time.perf_counter()
    notices = list(notices or [])
    language = detect_language(question)
    standalone = condense(question, history)
    previous = history[-1][0] if standalone != question and history else ""
    passages = retriever.retrieve(standalone, settings.top_k)
    timings = {"retrieve_ms": _ms(started)}
    # A follow-up's sentences are scored against the joined question (the topic)
    # and the follow-up itself (what is asked now): "and how many children?".
    scores = retriever.sentence_scores(passages, *dict.fromkeys([standalone, question]))
    evidence = select_evidence(passages, scores, settings) if passages else []
    extract_text, extract_citations = extractive_answer(evidence)
    timings["extractive_ms"] = _ms(started)
    result = Answer(question, "", [], language, False, passages, notices, timings, llm.name, standalone_question=standalone)

    best = best_sentence(evidence)
    threshold = settings.support_threshold_ar if language == "ar" else settings.support_threshold_en
    if best is None or best[1][3] < threshold:
        # No sentence is close enough to the question to hold its answer: say
        # so rather than let a small model guess from nearby facts.
        result.text, result.abstained = not_found(language), True
        yield result
        return
    if llm.name == "none":
        result.text, result.citations, result.extractive = extract_text, extract_citations, True
        yield result
        return

    yield replace(result, text=extract_text, citations=extract_citations, extractive=True, final=False, notices=list(notices), timings=dict(timings))
    pieces: list[str] = []
    try:
        for piece in llm.stream(build_messages(evidence, question, language, previous), settings.answer_max_tokens):
            if not pieces:
                timings["first_token_ms"] = _ms(started)
            pieces.append(piece)
            yield piece
    except LLMError as exc:
        notices.append(f"The language model failed ({exc}); showing the best supporting sentence instead.")
        result.text, result.citations, result.extractive = extract_text, extract_citations, True
        timings["answer_ms"] = _ms(started)
        yield result
        return
    timings["answer_ms"] = _ms(started)
    result.generated = "".join(pieces)

    verdict = check(result.generated, evidence, question, language)
    if verdict.problem:
        translated = translate_sentence(llm, extract_citations, language, settings)
        how = "a machine translation of the best supporting sentence (check it against the source)" if translated else "the best supporting sentence"
        notices.append(f"The generated answer was not used ({verdict.problem}); showing {how} instead.")
        result.text, result.citations, result.extractive = translated or extract_text, extract_citations, True
        timings["answer_ms"] = _ms(started)
    else:
        result.text, result.citations, result.abstained = verdict.text, verdict.citations, verdict.abstained
    yield result


def translate_sentence(llm: LLM, citations: list[Citation], language: str, settings: Settings) -> str:
    """The cited supporting sentence in English, for an English question whose
    generated answer failed the check, so the fallback is in the reader's
    language; "" when not needed or when the translation adds numbers or names."""
    if settings.translate_fallback != "on" or language != "en" or not citations or detect_language(citations[0].sentence) == "en":
        return ""
    source = citations[0].sentence
    messages = [{"role": "system", "content": prompt("translate.txt")}, {"role": "user", "content": f"Arabic: {source}\nEnglish:"}]
    try:
        text = " ".join("".join(llm.stream(messages, settings.answer_max_tokens)).split())
    except LLMError:
        return ""
    text = strip_markers(text).strip().strip('"').strip()
    # Every number kept, none added, no new names: a small model's translation
    # can echo its instructions or swap facts.
    if not has_letters(text) or detect_language(text) != "en" or unsupported_numbers(text, source) or unsupported_numbers(source, text) or unsupported_names(text, source, ""):
        return ""
    return f"{text.rstrip(' .')} [{citations[0].n}]."


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
