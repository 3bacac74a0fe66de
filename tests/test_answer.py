"""The answer pipeline's pure parts: checking generated text, abstentions, the prompt."""

import pytest

from rag.answer import check, is_abstention, not_found
from rag.evidence import Evidence
from rag.config import Settings
from rag.retrieval import Passage, Sentence

P1 = "وأشار المتحدث باسم مجلس الأمن القومي الأميركي جون كيربي إلى أن كوريا الشمالية سلّمت «أكثر من ألف حاوية» من المعدات العسكرية إلى روسيا."
P2 = "وأكدت روسيا أن إنتاجها من القذائف قد زاد هذا العام، لتحقيق الهدف المخطط له وهو 2.5 مليون قذيفة."


def _passage(chunk_id, text):
    return Passage(chunk_id, chunk_id.split("#")[0], "عنوان", text, 0, len(text), 0.5)


EVIDENCE = [
    Evidence(1, _passage("a#s0c0", P1), (Sentence(0, len(P1), P1, 0.9, 0.9),)),
    Evidence(2, _passage("b#s0c0", P2), (Sentence(0, len(P2), P2, 0.8, 0.8),)),
]


@pytest.mark.parametrize(
    "raw, text, cited, abstained, problem",
    [
        ("More than 1,000 containers [1].", "More than 1,000 containers [1].", [1], False, ""),
        # A number from passage 2 cited as passage 1: re-cited to the passage that states it.
        ("Russia expects 2.5 million shells [1].", "Russia expects 2.5 million shells [2].", [2], False, ""),
        # No marker: the passage that supports it is cited.
        ("Kirby said more than 1,000 containers.", "Kirby said more than 1,000 containers [1].", [1], False, ""),
        ("The articles do not contain the answer to this question.", not_found("en"), [], True, ""),
        ("لا تتضمن المقالات إجابة عن هذا السؤال.", not_found("en"), [], True, ""),
        ("Russia will produce 4 million shells [2].", None, [], False, "numbers"),
        ("Blinken said 1,000 containers [1].", None, [], False, "names"),
        ("[3]", None, [], False, "no answer"),
        ("How many containers did North Korea deliver? [1]", None, [], False, "restates"),
        # Right facts, wrong language: an English question gets no Arabic answer.
        ("سلمت كوريا الشمالية أكثر من ألف حاوية [1].", None, [], False, "not in English"),
        ("1,000 [1].", "1,000 [1].", [1], False, ""),  # no words, no language to miss
        ("More than 1,000 containers, 1,000 containers, 1,000 containers [1]", None, [], False, "repeats itself"),
    ],
)
def test_check(raw, text, cited, abstained, problem):
    verdict = check(raw, EVIDENCE, "How many containers did North Korea deliver?", "en")
    assert problem in verdict.problem if problem else not verdict.problem
    if text is not None:
        assert verdict.text == text
    assert [c.n for c in verdict.citations] == cited and verdict.abstained is abstained


def test_citations_point_at_the_supporting_sentence():
    verdict = check("Kirby: 1,000 containers [1].", EVIDENCE, "How many containers?", "en")
    c = verdict.citations[0]
    assert c.chunk_id == "a#s0c0" and c.sentence == P1 and (c.sentence_start, c.sentence_end) == (0, len(P1))


@pytest.mark.parametrize(
    "text, language, abstained",
    [
        ("The articles do not contain the answer to this question.", "en", True),
        ("The population of Pyongyang is not mentioned in the given passages.", "en", True),
        ("لا تتضمن المقالات إجابة عن هذا السؤال.", "ar", True),
        ("لم يرد ذكر لسعر الروبل في المقالات.", "ar", True),
        ("Kirby said 1,000 containers [1].", "en", False),
        ("قال كيربي إن ألف حاوية وصلت [1].", "ar", False),
    ],
)
def test_is_abstention(text, language, abstained):
    assert is_abstention(text, language) is abstained


def test_an_unmarked_answer_is_cited_to_the_passage_closest_in_meaning():
    # Both passages "support" an English answer with no number or name; the
    # closeness scores (multilingual embeddings in the pipeline) pick the second.
    answer = "Russia is raising its output this year."
    assert [c.n for c in check(answer, EVIDENCE, "What is Russia doing?", "en").citations] == [1]  # best-ranked
    closer_to_2 = {(1, 0): 0.71, (2, 0): 0.86}
    verdict = check(answer, EVIDENCE, "What is Russia doing?", "en", lambda text: closer_to_2)
    assert verdict.text == "Russia is raising its output this year [2]." and [c.n for c in verdict.citations] == [2]


@pytest.mark.parametrize(
    "closeness, cited",
    [
        ({(1, 0): 0.75, (2, 0): 0.85}, [2]),  # clearly closer to passage 2: misnumbered
        ({(1, 0): 0.80, (2, 0): 0.82}, [1]),  # within the margin: the model's citation stands
    ],
)
def test_a_translated_answer_is_re_cited_only_to_a_clearly_closer_passage(closeness, cited):
    verdict = check("Russia is raising its output this year [1].", EVIDENCE, "What is Russia doing?", "en", lambda text: closeness)
    assert [c.n for c in verdict.citations] == cited and verdict.text.endswith(f"[{cited[0]}].")


def test_check_reads_arabic_indic_markers_in_an_arabic_answer():
    verdict = check("سلمت أكثر من ألف حاوية [١]", EVIDENCE, "كم حاوية سلمت كوريا الشمالية؟", "ar")
    assert verdict.text == "سلمت أكثر من ألف حاوية [1]" and [c.n for c in verdict.citations] == [1]


def test_check_refuses_an_english_answer_to_an_arabic_question():
    verdict = check("North Korea delivered more than 1,000 containers [1].", EVIDENCE, "كم حاوية سلمت كوريا الشمالية؟", "ar")
    assert "not in Arabic" in verdict.problem


class ScriptedLLM:
    """Returns a fixed text: to test what the guard does with a translation."""

    name = "scripted"

    def __init__(self, text: str) -> None:
        self.text = text

    def stream(self, messages, max_tokens):
        yield self.text


@pytest.mark.parametrize(
    "translation, expected",
    [
        ("North Korea delivered more than a thousand containers of military equipment to Russia.", "North Korea delivered more than a thousand containers of military equipment to Russia [1]."),
        ('"Kirby said more than 1000 containers were delivered."', "Kirby said more than 1000 containers were delivered [1]."),
        ("North Korea delivered 5,000 containers to Russia.", ""),  # a number the sentence does not state
        ("North Korea delivered many containers to Russia.", ""),  # the sentence's number dropped
        ("Blinken said North Korea delivered containers.", ""),  # a name it does not have
        ("سلمت كوريا الشمالية حاويات.", ""),  # not English
    ],
)
def test_translated_fallback_is_checked_like_an_answer(translation, expected):
    from rag.answer import citation, translate_sentence

    cited = [citation(EVIDENCE[0], EVIDENCE[0].sentences[0])]
    on = Settings(translate_fallback="on")
    assert translate_sentence(ScriptedLLM(translation), cited, "en", on) == expected
    assert translate_sentence(ScriptedLLM(translation), cited, "ar", on) == ""  # Arabic readers get the sentence
    assert translate_sentence(ScriptedLLM(translation), cited, "en", Settings()) == ""  # off by default
