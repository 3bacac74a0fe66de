"""From a question to a checked answer with numbered citations.

    question ─(only "hello" / "thanks"? a reply, no search)
      ─(follow-up? join with the last question)─> retrieve passages
      ─> evidence: the best sentences of the best passages, numbered [1..m]
      ─> too far from the question? abstain
      ─> the verified answer: the best sentence, cited, its number or date marked
      ─> rerank on (settings.rerank) and not a follow-up? the best three
           reordered by how likely the model finds the question after each
      ─> pick on (settings.pick)? the model reads it and the next best, one by
           one, and the one it finds answers the question (with the ranking)
           wins; it finds none does? abstain
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

import contextlib
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, replace

from rag.answer.check import Closeness, Problem, check, translation_problem
from rag.answer.events import Event, Final, Restart, Sources, Token
from rag.answer.evidence import Evidence, best_sentence, ranked_full_sentences, select_evidence, support
from rag.answer.guard import strip_markers
from rag.answer.llm import LLM, LLMError
from rag.answer.prompts import build_messages, judge_messages, likelihood_prompt, not_found, small_talk_reply, translation_messages
from rag.answer.schema import Answer, Citation, citation
from rag.answer.spans import english_span
from rag.core.config import JUDGE_SENTENCES, KIND_CANDIDATES, PICK_SENTENCES, Settings
from rag.core.models import ModelError
from rag.core.notices import Notice
from rag.core.text import detect_language
from rag.search.filters import Scope
from rag.search.kinds import PATTERNS, answer_span, candidates
from rag.search.questions import answer_kind, condense, previous_question, small_talk
from rag.search.retrieval import Retriever, Sentence


def answer_stream(
    question: str,
    retriever: Retriever,
    llm: LLM | Callable[[], LLM],
    settings: Settings,
    history: list[tuple[str, str]] | None = None,
    notices: list[Notice] | None = None,
    scope: Scope | None = None,
) -> Iterator[Event]:
    """Yield the answer as events (rag.answer.events): Sources (the passages
    and the verified sentence) when a model will write, its Tokens, a Restart
    when it starts over, then the Final answer.

    The verified answer is the sentence most likely to hold the answer, cited;
    an English question over Arabic text gets its machine translation, checked.
    The model writes its own answer only where settings.generates() says it
    measurably beats that (config.GENERATE_BY_DEFAULT). The Final answer is
    authoritative: the check may replace what was streamed.

    `llm` may be a loader, called once the verified answer stands and only
    where settings.model_needed() for the question's language: small talk and
    a question the articles do not answer never load a model. A loader that
    fails leaves the verified answer, with a `model_unavailable` notice.
    """
    started = time.perf_counter()
    notices = list(notices or [])
    language = detect_language(question)
    backend = "none" if callable(llm) else llm.name  # a loader has loaded nothing yet
    if kind := small_talk(question):
        # "hello" or "thanks" asks the articles nothing: a reply, no search, and
        # an abstention for the API (no answer from the articles).
        yield Final(Answer(question, small_talk_reply(kind, language), [], language, True, [], notices, {}, backend))
        return
    standalone = condense(question, history)
    previous = previous_question(history) if standalone != question else ""
    passages = retriever.retrieve(standalone, settings.top_k, scope=scope)
    timings = {"retrieve_ms": _ms(started)}
    # A follow-up's sentences are scored against the joined question (the topic)
    # and the follow-up itself (what is asked now): "and how many children?".
    scores = retriever.sentence_scores(passages, *dict.fromkeys([standalone, question]))
    evidence = select_evidence(passages, scores, settings) if passages else []
    verified = verified_answer(evidence, question)
    timings["extractive_ms"] = _ms(started)
    result = Answer(question, "", [], language, False, passages, notices, timings, backend, standalone_question=standalone)

    # Whether the articles hold the answer is judged on the joined question: a
    # follow-up alone ("and who unloaded them?") is close to nothing.
    result.support = round(support(scores if standalone == question else retriever.sentence_scores(passages, standalone)), 4)
    if verified is None or result.support < settings.threshold("support", language) or not holds_kind(evidence, question):
        # No sentence is close enough to the question to hold its answer, or
        # none holds the number or date it asks for: say so rather than let a
        # small model guess from nearby facts.
        result.text, result.abstained = not_found(language), True
        yield Final(result)
        return
    _show_verified(result, verified)
    if callable(llm):
        # Only now, with an answer to improve: an English question the articles
        # do not answer took 8.0 s and 2.0 GB in a new `rag ask` process when the
        # bundled 1.5B was loaded before the search, 4.4 s and 0.2 GB without.
        try:
            llm = llm() if settings.model_needed(language) else LLM()
        except (LLMError, ModelError) as exc:
            notices.append(Notice("model_unavailable", str(exc)))
            llm = LLM()
        result.backend = llm.name

    def draft() -> Answer:  # a snapshot: the result is still being filled in
        return replace(result, notices=list(notices), timings=dict(timings))

    if (
        llm.kind != "none"
        and standalone == question
        and settings.generates(f"rerank_{language}", llm.kind)
        and len(pairs := pick_candidates(evidence, verified, question)) > 1
    ):
        # How likely the model finds the question after a sentence tells which
        # of the best answers it better than asking it (the pick): with the
        # 1.5B it lifted English held-out xquad-dev 0.56 -> 0.61 and the news
        # 0.90 -> 1.00 (benchmarks/fit_likelihood.py). Not for a follow-up:
        # the weight was fitted on questions that stand alone, and the joined
        # question's likelihood is mostly its first question's (English
        # xquad follow-ups 0.75 -> 0.55, benchmarks/results/answers.json).
        yield Sources(draft(), "choosing")
        try:
            verified = model_rerank(llm, pairs, question, settings.per_language("rerank_weight", language))
            timings["rerank_ms"] = _ms(started)
        except LLMError as exc:
            notices.append(Notice("model_failed", str(exc)))
        else:
            _show_verified(result, verified)
    if llm.kind != "none" and settings.generates(f"pick_{language}", llm.kind):
        # The ranking's first sentence holds the answer less often than one of
        # its first three (held-out xquad-dev: 0.75 / 0.86 ar, 0.66 / 0.86 en);
        # the model, asked of each alone whether it answers, can tell which. A
        # small gain that did not hold on every set (benchmarks/fit_pick.py).
        yield Sources(draft(), "choosing")
        try:
            verified, result.answerable = model_pick(llm, evidence, verified, question, previous, settings.pick_weight)
            timings["pick_ms"] = _ms(started)
        except LLMError as exc:
            notices.append(Notice("model_failed", str(exc)))
        else:
            if result.answerable < settings.threshold("pick", language):
                # The model found none of the best sentences answers the question:
                # a signal of a question the articles do not answer
                # (benchmarks/fit_abstention.py --signal pick).
                _abstain(result)
                yield Final(_done(result, timings, started))
                return
            _show_verified(result, verified)
    if llm.kind != "none" and settings.generates("judge", llm.kind):
        # Similarity alone cannot tell a question the articles answer from a
        # near-topic one they do not (benchmarks/fit_abstention.py); the model,
        # asked whether the best sentences answer it, tells them apart better.
        yield Sources(draft(), "checking")
        try:
            result.answerable = round(answerability(llm, evidence, question, previous), 4)
            timings["judge_ms"] = _ms(started)
        except LLMError as exc:
            notices.append(Notice("model_failed", str(exc)))
        else:
            if result.answerable < settings.threshold("judge", language):
                _abstain(result)
                yield Final(_done(result, timings, started))
                return
    needs_translation = language == "en" and detect_language(verified.text) != "en"
    if needs_translation and _show_english_span(result, verified):
        needs_translation = False  # the number or date asked for, in English: no model needed
    can_translate = needs_translation and llm.kind != "none" and settings.generates("translate", llm.kind)
    generate = llm.kind != "none" and settings.generates(language, llm.kind)
    if not (generate or can_translate):
        if needs_translation:
            notices.append(Notice("untranslated", "no model to translate with" if llm.kind == "none" else "translation off for this backend"))
        yield Final(_done(result, timings, started))
        return

    if generate:
        # The first try reads all the evidence; when the check rejects what it
        # wrote, a second reads only the passage holding the best sentence: with
        # fewer passages a small model less often restates the question or takes
        # a number or name from the wrong one.
        tries = [evidence, [verified.evidence]] if len(evidence) > 1 else [evidence]
        problems: list[Problem] = []
        for shown in tries:
            yield (Restart if problems else Sources)(draft(), "writing")
            try:
                generated = yield from _pieces(llm, build_messages(shown, question, language, previous), settings, timings, started)
            except LLMError as exc:
                notices.append(Notice("model_failed", str(exc)))
                break
            result.generated = generated
            timings["tries"] = len(problems) + 1
            verdict = check(generated, shown, question, language, _closeness(retriever, shown))
            if verdict.problem is None:
                result.text, result.citations, result.abstained = verdict.text, verdict.citations, verdict.abstained
                result.extractive, result.translated, result.span = False, verdict.translated, answer_span(verdict.text, question)
                result.original = verdict.citations[0].sentence if verdict.translated and verdict.citations else ""
                if verdict.translated:
                    notices.append(Notice("machine_translation"))
                yield Final(_done(result, timings, started))
                return
            problems.append(verdict.problem)
        else:
            notices.append(Notice("not_verified", "; then ".join(map(str, problems))))
    if can_translate:
        yield (Restart if generate else Sources)(draft(), "translating")
        translation, problem = yield from _translate(llm, verified, settings, timings, started)
        if translation:
            result.text, result.translated, result.original = translation, True, verified.text
            result.span = answer_span(translation, question)
            notices.append(Notice("machine_translation"))
        else:
            notices.append(Notice("untranslated", problem))
    elif needs_translation:  # the model's own answer was refused, and it does not translate
        notices.append(Notice("untranslated", "translation off for this backend"))
    yield Final(_done(result, timings, started))


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


def verified_answer(evidence: list[Evidence], question: str) -> Verified | None:
    """The sentence most likely to hold the answer (evidence.best_sentence),
    or for a number or date question, the better of the first two that holds one."""
    best = best_sentence(evidence)
    if best is None:
        return None
    if answer_kind(question) in PATTERNS and not candidates(best[1].text, question):
        best = next((pair for pair in ranked_full_sentences(evidence)[:KIND_CANDIDATES] if candidates(pair[1].text, question)), best)
    return Verified(*best)


def answerability(llm: LLM, evidence: list[Evidence], question: str, previous: str = "") -> float:
    """The model's P(yes) that the best sentences of the evidence (the
    verified one first) answer the question; LLMError passes through."""
    best = ranked_full_sentences(evidence)[:JUDGE_SENTENCES]
    return llm.yes_probability(judge_messages(question, [s.text for _, s in best], previous))


def pick_candidates(evidence: list[Evidence], verified: Verified, question: str) -> list[tuple[Evidence, Sentence]]:
    """The verified sentence, then the next best full ones (PICK_SENTENCES in
    all); for a "how many" / "when" question only those that hold a number or
    date compete with it, as in verified_answer."""
    kind = answer_kind(question) in PATTERNS
    others = [p for p in ranked_full_sentences(evidence) if p[1] != verified.sentence and (not kind or candidates(p[1].text, question))]
    return [(verified.evidence, verified.sentence), *others][:PICK_SENTENCES]


def model_pick(llm: LLM, evidence: list[Evidence], verified: Verified, question: str, previous: str, weight: float) -> tuple[Verified, float]:
    """Of pick_candidates, the one with the highest ranking score + weight x the
    model's P(yes) that it answers the question, each sentence read alone (a
    list of them, read at once, lets the model pick by position), and the
    highest P(yes) of them; LLMError passes through."""
    pairs = pick_candidates(evidence, verified, question)
    shares = pick_shares(llm, pairs, question, previous)
    return Verified(*pairs[pick_index([s.score for _, s in pairs], shares, weight)]), round(max(shares), 4)


def model_rerank(llm: LLM, pairs: list[tuple[Evidence, Sentence]], question: str, weight: float) -> Verified:
    """Of the candidates (pick_candidates), the one with the highest ranking
    score + weight x question_likelihood; LLMError passes through."""
    likelihoods = [question_likelihood(llm, s.text, question) for _, s in pairs]
    return Verified(*pairs[pick_index([s.score for _, s in pairs], likelihoods, weight)])


def question_likelihood(llm: LLM, sentence: str, question: str) -> float:
    """The model's mean log-probability of the question's tokens after the
    sentence (prompts/likelihood.txt): the higher, the more the sentence is
    one the question asks about (UPR, Sachan et al. 2022)."""
    return llm.continuation_logprob(likelihood_prompt(sentence), question)


def pick_shares(llm: LLM, pairs: list[tuple[Evidence, Sentence]], question: str, previous: str) -> list[float]:
    """The model's P(yes) that each candidate sentence, read alone, answers the question."""
    return [llm.yes_probability(judge_messages(question, [s.text], previous)) for _, s in pairs]


def pick_index(scores: list[float], shares: list[float], weight: float) -> int:
    """The pick's rule: the candidate with the highest ranking score + weight x
    P(yes) (benchmarks/fit_pick.py fits the weight with this same rule)."""
    return max(range(len(shares)), key=lambda k: scores[k] + weight * shares[k], default=0)


def holds_kind(evidence: list[Evidence], question: str) -> bool:
    """False when the question asks for a number or a date and no evidence
    sentence holds one it does not already state."""
    if answer_kind(question) not in PATTERNS:
        return True
    return any(candidates(s.text, question) for item in evidence for s in item.sentences)


def _abstain(result: Answer) -> None:
    """The model found the articles do not answer: withdraw the verified answer shown meanwhile."""
    result.text, result.abstained, result.citations, result.span = not_found(result.language), True, [], None


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


def _pieces(llm: LLM, messages: list[dict], settings: Settings, timings: dict, started: float) -> Generator[Token, None, str]:
    """Stream the model's pieces and return the whole text (LLMError passes through)."""
    pieces: list[str] = []
    for piece in llm.stream(messages, settings.answer_max_tokens):
        timings.setdefault("first_token_ms", _ms(started))
        pieces.append(piece)
        yield Token(piece)
    return "".join(pieces)


def _translate(llm: LLM, verified: Verified, settings: Settings, timings: dict, started: float) -> Generator[Token, None, tuple[str, str]]:
    """(the verified sentence in English, cited, ""), or ("", why not): the
    model failed or the translation changed the facts (translation_problem)."""
    try:
        raw = yield from _pieces(llm, translation_messages(verified.text), settings, timings, started)
    except LLMError as exc:
        return "", str(exc)
    text = strip_markers(" ".join(raw.split())).strip().strip('"').strip()
    if problem := translation_problem(text, verified.text):
        return "", str(problem)
    return f"{text.rstrip(' .')} [{verified.evidence.n}].", ""


def prime(llm: LLM, settings: Settings) -> None:
    """Have the model read the fixed start of the first prompt a question will
    send it, so the first question pays only for its own text: llama.cpp reuses
    the longest prefix it has already read. The steps run in answer_stream's
    order (pick or check, then writing, then translation); nothing is read
    when the model does none of them."""
    backend = llm.kind
    if any(settings.generates(task, backend) for task in ("pick_ar", "pick_en", "judge")):
        messages = judge_messages("", [])
    elif settings.generates("ar", backend) or settings.generates("en", backend):
        messages = build_messages([], "", "en")
    elif settings.generates("translate", backend):
        messages = translation_messages("")
    else:
        return
    with contextlib.suppress(LLMError):  # the first question will say what is wrong
        "".join(llm.stream(messages, 1))


def _closeness(retriever: Retriever, evidence: list[Evidence]) -> Closeness:
    def score(answer: str) -> dict[tuple[int, int], float]:
        found = retriever.sentence_scores([e.passage for e in evidence], strip_markers(answer))
        return {(e.n, s.start): s.similarity for e in evidence for s in found.get(e.passage.chunk_id, [])}

    return score


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
