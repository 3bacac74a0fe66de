"""From a question to a checked answer with numbered citations.

    question ─(follow-up? join with the last question)─> retrieve passages
      ─> evidence: the best sentences of the best passages, numbered [1..m]
      ─> too far from the question? abstain
      ─> the verified answer: the best sentence, cited, its number or date marked
      ─> generation on for this backend and language (settings.generates)?
           prompt (prompts/) ─> LLM, streamed ─> check: markers, quotes,
           numbers and names against the cited passages ─> rejected? one more
           try over the best passage only ─> rejected again? the verified answer
      ─> English question, Arabic sentence? the model's translation, checked
      ─> Answer

The verified sentence is the floor: on questions nobody tuned for, the bundled
small models answered worse than it (benchmarks/bench_answers.py), so they
only translate it unless a backend has measured better.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from .config import Settings
from .evidence import Evidence, best_sentence, is_full, select_evidence, support
from .guard import cited_numbers, clean_markers, repeats_itself, strip_markers, unquoted, unsupported_names, unsupported_numbers, unsupported_words
from .lexical import tokenize
from .llm import LLM, LLMError
from .notices import Notice
from .questions import answer_kind, condense
from .retrieval import Passage, Retriever, Sentence
from .spans import PATTERNS, answer_span, candidates, english_span
from .text import detect_language, has_letters, normalize

def _prompts_dir() -> Path:
    """The checkout's prompts/ (edited in place), else the copy an installed
    wheel puts under its prefix (pyproject.toml, [tool.setuptools.data-files])."""
    checkout = Path(__file__).resolve().parent.parent / "prompts"
    installed = Path(sys.prefix) / "share" / "rag-news" / "prompts"
    return checkout if checkout.is_dir() or not installed.is_dir() else installed


PROMPTS = _prompts_dir()
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
    notices: list[Notice] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    backend: str = "none"
    # True when the text is the verified sentence (or its translation), not
    # the model's own words.
    extractive: bool = False
    standalone_question: str = ""
    generated: str = ""  # what the model wrote, before the check
    # The text is a machine translation of `original` (a sentence of the cited
    # passage): readers are told so and shown the original.
    translated: bool = False
    original: str = ""
    # Offsets into `text` of the words that answer (the number or date asked
    # for), shown in bold; None when the question asks for something else.
    span: tuple[int, int] | None = None
    # The similarity (cosine) of the question to the closest retrieved
    # sentence: below settings.support_threshold_* the answer is an abstention.
    support: float = 0.0
    # False for the draft a stream yields before generation starts: the sources
    # and the verified answer, for a UI to show while the model writes
    # (pending="writing") or translates (pending="translating").
    final: bool = True
    pending: str = ""

    def to_dict(self) -> dict:
        """JSON-ready: the answer, its citations and the passages it was drawn from."""
        data = asdict(self)
        data["passages"] = [p.to_dict() for p in self.passages]
        data["notices"] = [n.to_dict() for n in self.notices]
        return data

    def notice_texts(self) -> list[str]:
        """The notices as the reader reads them, in the question's language."""
        return [n.text(self.language) for n in self.notices]


def citation(item: Evidence, sentence: Sentence) -> Citation:
    p = item.passage
    return Citation(item.n, p.chunk_id, p.doc_id, p.title, p.source, p.date, p.text, p.start, p.end, sentence[2], sentence[0], sentence[1], p.score)


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
    translated = language != detect_language(" ".join(by_n[n].render() for n in cited))
    return Verdict(text, [citation(by_n[n], _closest_sentence(by_n[n], text, near)) for n in cited], translated=translated)


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
    if quotes := unquoted(answer, quoted):
        return f"quoted words not in the cited passages: {quotes}"
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
    notices: list[Notice] | None = None,
) -> Iterator[str | Answer]:
    """Yield a draft Answer (final=False: sources and the verified sentence)
    when a model will write, the text pieces as they come, then the final Answer.

    The verified answer is the sentence most likely to hold the answer, cited;
    an English question over Arabic text gets its machine translation, checked.
    The model writes its own answer only where settings.generates() says it
    measurably beats that (config.GENERATE_BY_DEFAULT). A second draft means
    the check rejected the first try and the model tries again: the pieces
    after it replace those before. The final Answer is authoritative.
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
    verified = verified_answer(evidence, question)
    timings["extractive_ms"] = _ms(started)
    result = Answer(question, "", [], language, False, passages, notices, timings, llm.name, standalone_question=standalone)

    threshold = settings.support_threshold_ar if language == "ar" else settings.support_threshold_en
    # Whether the articles hold the answer is judged on the joined question: a
    # follow-up alone ("and who unloaded them?") is close to nothing.
    result.support = round(support(scores if standalone == question else retriever.sentence_scores(passages, standalone)), 4)
    if verified is None or result.support < threshold or not holds_kind(evidence, question):
        # No sentence is close enough to the question to hold its answer, or
        # none holds the number or date it asks for: say so rather than let a
        # small model guess from nearby facts.
        result.text, result.abstained = not_found(language), True
        yield result
        return
    _show_verified(result, verified)
    needs_translation = language == "en" and detect_language(verified.text) != "en"
    if needs_translation and _show_english_span(result, verified):
        needs_translation = False  # the number or date asked for, in English: no model needed
    can_translate = needs_translation and llm.kind != "none" and settings.generates("translate", llm.kind)
    generate = llm.kind != "none" and settings.generates(language, llm.kind)
    if not (generate or can_translate):
        if needs_translation:
            notices.append(Notice("untranslated", "no model to translate with" if llm.kind == "none" else "translation off for this backend"))
        yield _done(result, timings, started)
        return

    draft = replace(result, final=False, pending="writing", notices=list(notices), timings=dict(timings))
    if generate:
        # The first try reads all the evidence; when the check rejects what it
        # wrote, a second reads only the passage holding the best sentence: with
        # fewer passages a small model less often restates the question or takes
        # a number or name from the wrong one.
        tries = [evidence, [verified.evidence]] if len(evidence) > 1 else [evidence]
        problems: list[str] = []
        for shown in tries:
            yield replace(draft)  # (re)starts the text pieces
            try:
                generated = yield from _pieces(llm, build_messages(shown, question, language, previous), settings, timings, started)
            except LLMError as exc:
                notices.append(Notice("model_failed", str(exc)))
                break
            result.generated = generated
            timings["tries"] = len(problems) + 1
            verdict = check(generated, shown, question, language, _closeness(retriever, shown))
            if not verdict.problem:
                result.text, result.citations, result.abstained = verdict.text, verdict.citations, verdict.abstained
                result.extractive, result.translated, result.span = False, verdict.translated, answer_span(verdict.text, question)
                result.original = verdict.citations[0].sentence if verdict.translated and verdict.citations else ""
                if verdict.translated:
                    notices.append(Notice("machine_translation"))
                yield _done(result, timings, started)
                return
            problems.append(verdict.problem)
        else:
            notices.append(Notice("not_verified", "; then ".join(problems)))
    if can_translate:
        yield replace(draft, pending="translating", notices=list(notices))
        translation, problem = yield from _translate(llm, verified, settings, timings, started)
        if translation:
            result.text, result.translated, result.original = translation, True, verified.text
            result.span = answer_span(translation, question)
            notices.append(Notice("machine_translation"))
        else:
            notices.append(Notice("untranslated", problem))
    elif needs_translation:  # the model's own answer was refused, and it does not translate
        notices.append(Notice("untranslated", "translation off for this backend"))
    yield _done(result, timings, started)


@dataclass(frozen=True)
class Verified:
    """The sentence most likely to hold the answer, from the evidence, cited."""

    evidence: Evidence
    sentence: Sentence

    @property
    def text(self) -> str:
        return self.sentence.text

    @property
    def citation(self) -> Citation:
        return citation(self.evidence, self.sentence)


# For a "how many" or "when", the better of the two best sentences that holds
# a number or date of its own. On the 215 such xquad-dev questions the verified
# sentence held the answer 0.80 -> 0.81 (ar) and 0.65 -> 0.67 (en); looking
# further down (3, 5, all) gained nothing and lost a news question.
KIND_CANDIDATES = 2


def verified_answer(evidence: list[Evidence], question: str) -> Verified | None:
    """The sentence most likely to hold the answer (evidence.best_sentence),
    or for a number or date question, the better of the first two that holds one."""
    best = best_sentence(evidence)
    if best is None:
        return None
    if answer_kind(question) in PATTERNS and not candidates(best[1].text, question):
        ranked = sorted(((item, s) for item in evidence for s in item.sentences if is_full(s)), key=lambda pair: -pair[1].score)
        best = next((pair for pair in ranked[:KIND_CANDIDATES] if candidates(pair[1].text, question)), best)
    return Verified(*best)


def holds_kind(evidence: list[Evidence], question: str) -> bool:
    """False when the question asks for a number or a date and no evidence
    sentence holds one it does not already state."""
    if answer_kind(question) not in PATTERNS:
        return True
    return any(candidates(s.text, question) for item in evidence for s in item.sentences)


def _show_verified(result: Answer, verified: Verified) -> None:
    result.text = f"{verified.text} [{verified.evidence.n}]"
    result.citations, result.extractive = [verified.citation], True
    result.span = answer_span(verified.text, result.question)


def _show_english_span(result: Answer, verified: Verified) -> bool:
    """For an English question answered by an Arabic sentence: the number or
    date it asks for, rendered in English word by word (no model), cited; the
    sentence stays the citation, highlighted in the sources."""
    if result.span is None:
        return False
    english = english_span(verified.text[result.span[0] : result.span[1]])
    if not english:
        return False
    result.text, result.span, result.original = f"{english} [{verified.evidence.n}]", (0, len(english)), verified.text
    result.notices.append(Notice("answer_span"))
    return True


def _done(result: Answer, timings: dict, started: float) -> Answer:
    timings["answer_ms"] = _ms(started)
    result.timings = timings
    return result


def _pieces(llm: LLM, messages: list[dict], settings: Settings, timings: dict, started: float) -> Generator[str, None, str]:
    """Stream the model's pieces and return the whole text (LLMError passes through)."""
    pieces: list[str] = []
    for piece in llm.stream(messages, settings.answer_max_tokens):
        timings.setdefault("first_token_ms", _ms(started))
        pieces.append(piece)
        yield piece
    return "".join(pieces)


def _translate(llm: LLM, verified: Verified, settings: Settings, timings: dict, started: float) -> Generator[str, None, tuple[str, str]]:
    """(the verified sentence in English, cited, ""), or ("", why not): the
    model failed or the translation changed the facts (translation_problem)."""
    try:
        raw = yield from _pieces(llm, translation_messages(verified.text), settings, timings, started)
    except LLMError as exc:
        return "", str(exc)
    text = strip_markers(" ".join(raw.split())).strip().strip('"').strip()
    if problem := translation_problem(text, verified.text):
        return "", problem
    return f"{text.rstrip(' .')} [{verified.evidence.n}].", ""


def translation_messages(sentence: str) -> list[dict]:
    """The translation prompt: rules and two worked examples (a fixed prefix
    the model keeps cached), then the sentence. The reader's question is not
    shown: with it, the bundled model answered the question instead."""
    messages = [{"role": "system", "content": prompt("translate.txt")}]
    for turn in json.loads(prompt("translate_examples.json"))["turns"]:
        messages += [{"role": "user", "content": _translation_request(turn["arabic"])}, {"role": "assistant", "content": turn["english"]}]
    return messages + [{"role": "user", "content": _translation_request(sentence)}]


def _translation_request(sentence: str) -> str:
    return f"Arabic: {sentence}\nEnglish:"


def translation_problem(translation: str, source: str) -> str:
    """Why a machine translation cannot stand for its source sentence, or "":
    every number kept and none added, no name the source lacks, in English. A
    small model's translation can echo its instructions or swap facts."""
    if not has_letters(translation) or detect_language(translation) != "en":
        return "the translation is not English"
    if unsupported_numbers(translation, source) or unsupported_numbers(source, translation):
        return "the translation changed a number"
    if names := unsupported_names(translation, source, ""):
        return f"the translation added names: {names}"
    return ""


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


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
