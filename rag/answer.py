"""From a question to a checked answer with numbered citations.

    question ─(follow-up? join with the last question)─> retrieve passages
      ─> evidence: the best sentences of the best passages, numbered [1..m]
      ─> instant extractive answer (the best sentence, cited)
      ─> prompt (prompts/, naming the kind of answer asked for) ─> LLM, streamed
      ─> guard: markers, numbers and names checked against the cited passages
      ─> rejected? one more try over the passage with the best sentence only
      ─> Answer (or the extractive answer / an abstention when both fail)
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from .config import Settings
from .evidence import Evidence, best_sentence, select_evidence, support
from .guard import cited_numbers, clean_markers, repeats_itself, strip_markers, unsupported_names, unsupported_numbers, unsupported_words
from .lexical import tokenize
from .llm import LLM, LLMError
from .questions import answer_kind, condense
from .retrieval import Passage, Retriever, Sentence
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


def citation(item: Evidence, sentence: Sentence) -> Citation:
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
    examples = json.loads(prompt("examples.json"))
    messages = [{"role": "system", "content": prompt("system.txt")}]
    for turn in examples["turns"]:
        user = _user_message(examples["passages"], turn["question"], turn["question"], turn["language"])
        messages += [{"role": "user", "content": user}, {"role": "assistant", "content": turn["answer"]}]
    passages = "\n".join(e.render() for e in evidence)
    return messages + [{"role": "user", "content": _user_message(passages, asked, question, language)}]


def _user_message(passages: str, asked: str, question: str, language: str) -> str:
    kind = answer_kind(question)
    hint = prompt("kind.txt").format(kind=kind) if kind else ""
    return prompt("question.txt").format(passages=passages, question=asked, language=LANGUAGE_NAMES[language], kind=" " + hint if hint else "")


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
        return Verdict("", [], problem="the model gave no answer")
    if is_abstention(text, language):
        return Verdict(not_found(language), [], abstained=True)
    body = strip_markers(text)
    if repeats_itself(text):
        return Verdict(text, [], problem="the answer repeats itself")
    if has_letters(body) and detect_language(body) != language:
        return Verdict(text, [], problem=f"the answer is not in {LANGUAGE_NAMES[language]}")
    cited = [n for n in cited_numbers(text) if n in by_n]
    quoted = " ".join(by_n[n].passage.text for n in cited)
    problem = _unsupported(text, quoted, question) if cited else "the answer cites no passage"
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
    return Verdict(text, [citation(by_n[n], _closest_sentence(by_n[n], text, near)) for n in cited])


# How much closer in meaning (cosine) another passage's sentence must be for a
# translated answer to be re-cited to it. On the dev questions the misnumbered
# answer's source was 0.056 closer; a cited passage that held the answer was
# never beaten by more than 0.004.
RECITE_MARGIN = 0.03


def _cite_only(text: str, n: int) -> str:
    return clean_markers(text, set()).rstrip(" .") + f" [{n}]."


def _nearness(near: dict[tuple[int, int], float], item: Evidence) -> float:
    return max(near.get((item.n, s[0]), 0.0) for s in item.sentences)


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


def _closest_sentence(item: Evidence, answer: str, near: dict[tuple[int, int], float]) -> Sentence:
    """The evidence sentence sharing most words with the answer, or closest to
    it in meaning (a translation shares no words), for highlighting."""
    tokens = set(tokenize(strip_markers(answer)))
    return max(item.sentences, key=lambda s: (len(tokens & set(tokenize(s[2]))), near.get((item.n, s[0]), 0.0), s[3]))


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

    A second draft means the guard rejected the first try and the model tries
    again: the pieces after it replace those before. The final Answer is
    authoritative: when both tries fail the check, it carries the extractive
    answer instead.
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
    if best is None or support(scores) < threshold:
        # No sentence is close enough to the question to hold its answer: say
        # so rather than let a small model guess from nearby facts.
        result.text, result.abstained = not_found(language), True
        yield result
        return
    if llm.name == "none":
        result.text, result.citations, result.extractive = extract_text, extract_citations, True
        yield result
        return

    draft = replace(result, text=extract_text, citations=extract_citations, extractive=True, final=False)
    # The first try reads all the evidence; when the guard rejects what it wrote,
    # a second reads only the passage holding the best sentence: with fewer
    # passages a small model less often restates the question or takes a number
    # or name from the wrong one.
    tries = [evidence, [best[0]]] if len(evidence) > 1 else [evidence]
    problems: list[str] = []
    for shown in tries:
        yield replace(draft, notices=list(notices), timings=dict(timings))  # (re)starts the text pieces
        pieces: list[str] = []
        try:
            for piece in llm.stream(build_messages(shown, question, language, previous), settings.answer_max_tokens):
                if "first_token_ms" not in timings:
                    timings["first_token_ms"] = _ms(started)
                pieces.append(piece)
                yield piece
        except LLMError as exc:
            notices.append(f"The language model failed ({exc}); showing the best supporting sentence instead.")
            result.text, result.citations, result.extractive = extract_text, extract_citations, True
            timings["answer_ms"] = _ms(started)
            yield result
            return
        result.generated = "".join(pieces)
        timings["tries"] = len(problems) + 1
        verdict = check(result.generated, shown, question, language, _closeness(retriever, shown))
        if not verdict.problem:
            result.text, result.citations, result.abstained = verdict.text, verdict.citations, verdict.abstained
            timings["answer_ms"] = _ms(started)
            yield result
            return
        problems.append(verdict.problem)

    translated = translate_sentence(llm, extract_citations, language, settings)
    how = "a machine translation of the best supporting sentence (check it against the source)" if translated else "the best supporting sentence"
    notices.append(f"The generated answer was not used ({'; then '.join(problems)}); showing {how} instead.")
    result.text, result.citations, result.extractive = translated or extract_text, extract_citations, True
    timings["answer_ms"] = _ms(started)
    yield result


def prime(llm: LLM) -> None:
    """Have the model read the fixed rules and worked examples once, so the first
    question pays only for its own passages: llama.cpp reuses the longest prefix
    it has already read, and every prompt starts with these."""
    try:
        "".join(llm.stream(build_messages([], "", "en"), 1))
    except LLMError:
        pass  # the first question will say what is wrong


def _closeness(retriever: Retriever, evidence: list[Evidence]) -> Closeness:
    def score(answer: str) -> dict[tuple[int, int], float]:
        found = retriever.sentence_scores([e.passage for e in evidence], strip_markers(answer))
        return {(e.n, s.start): s.similarity for e in evidence for s in found.get(e.passage.chunk_id, [])}

    return score


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
