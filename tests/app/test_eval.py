import json

import pytest

from rag.app.evaluation import (
    EvalFileError,
    answer_is_correct,
    answering_sentence,
    contains_any,
    load_questions,
    percentile,
    retrieval_metrics,
    supporting_ranks,
)
from rag.search.retrieval import Passage


def _p(text):
    return Passage("c", "d", "t", text, 0, len(text), 0.5)


@pytest.mark.parametrize(
    "text, alternatives, hit",
    [
        ("سلّمت «أكثرَ من ألف حاوية» من المعدات", ["أكثر من ألف حاوية"], True),  # harakat + hamza
        ("وصرح جون  كيربي المتحدث", ["جون كيربي"], True),  # whitespace collapsed
        ("کوریا الشمالیة", ["كوريا الشمالية"], True),  # Persian letters
        ("Lavrov met Kim", ["lavrov"], True),
        ("Lavrov met Kim", ["Kirby", "Blinken"], False),
        ("anything", ["", "  "], False),
    ],
)
def test_contains_any(text, alternatives, hit):
    assert contains_any(text, alternatives) is hit


@pytest.mark.parametrize(
    "answer, groups, correct",
    [
        ("More than 1,000 containers [1].", (("1,000", "1000", "ألف"),), True),
        ("أكثر من ألف حاوية [1]", (("1,000", "ألف"),), True),
        ("Lavrov met Kim [2]", (("Lavrov",), ("Kim",)), True),
        ("Lavrov met him [2]", (("Lavrov",), ("Kim",)), False),
        ("", (("x",),), False),
        ("no groups", (), False),
    ],
)
def test_answer_is_correct(answer, groups, correct):
    assert answer_is_correct(answer, groups) is correct


def test_ranks_and_metrics():
    passages = [_p("لا شيء"), _p("قال جون كيربي"), _p("x"), _p("جون كيربي مجددا")]
    assert supporting_ranks(passages, ("جون كيربي",)) == [2, 4]
    rows = [
        {"lang": "ar", "answerable": True, "ranks": [2, 4], "sentence": 1},
        {"lang": "ar", "answerable": True, "ranks": [], "sentence": 3},
        {"lang": "en", "answerable": True, "ranks": [6], "sentence": None},
        {"lang": "en", "answerable": False, "ranks": [], "sentence": 1},  # unanswerable: not counted
    ]
    m = retrieval_metrics(rows)
    assert m["ar"] == {"recall@5": 0.5, "mrr@10": 0.25, "sentence@1": 0.5, "sentence@3": 1.0}
    assert m["en"] == {"recall@5": 0.0, "mrr@10": round(1 / 6, 4), "sentence@1": 0.0, "sentence@3": 0.0}
    assert m["all"]["recall@5"] == round(1 / 3, 4)


@pytest.mark.parametrize(
    "sentences, groups, rank",
    [
        (["لا شيء هنا", "سلمت أكثر من ألف حاوية"], (("ألف حاوية",),), 2),  # Arabic, normalized match
        (["Nothing here.", "More than 1,000 containers."], (("1,000", "ألف"),), 2),  # English alternative
        (["قال كيربي إن العدد ألف"], (("كيربي",), ("ألف",)), 1),  # every group in one sentence
        (["قال كيربي", "العدد ألف"], (("كيربي",), ("ألف",)), None),  # groups split over sentences: no answer
        ([], (("x",),), None),
    ],
)
def test_answering_sentence(sentences, groups, rank):
    from rag.search.retrieval import Sentence

    assert answering_sentence([Sentence(0, 1, t, 0.0, 0.0) for t in sentences], groups) == rank


def test_percentile():
    assert percentile([5, 1, 3, 2, 4], 50) == 3
    assert percentile(list(range(1, 101)), 95) == 95
    assert percentile([], 50) == 0.0


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "no questions"),
        ("{not json}\n", "line 1"),
        ('{"id": "x", "lang": "fr", "question": "q"}\n', "lang must be"),
        ('{"id": "x", "lang": "ar"}\n', "line 1"),
    ],
)
def test_bad_question_files(tmp_path, content, message):
    path = tmp_path / "q.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(EvalFileError, match=message):
        load_questions(path)


def test_dev_questions_load(tmp_path):
    from tests.conftest import DEV_QUESTIONS

    questions = load_questions(DEV_QUESTIONS)
    assert len(questions) == 24 and {q.lang for q in questions} == {"ar", "en"}
    assert sum(not q.answerable for q in questions) == 3
    json.dumps([q.__dict__ for q in questions])


def test_judge_answer_language_and_citations():
    from types import SimpleNamespace

    from rag.app.evaluation import Question, judge_answer

    q = Question("x", "ar", "كم عسكرياً قتل؟", True, (("85",),), ("مقتل نحو 85",), ("d",))
    cite = SimpleNamespace(n=1, text="أدى إلى مقتل نحو 85 من العسكريين")
    bare = judge_answer(q, SimpleNamespace(text="85 [1].", citations=[cite], abstained=False, notices=[], timings={}))
    assert bare["correct"] and bare["language_ok"] and bare["cited_support"] == [True]
    english = judge_answer(q, SimpleNamespace(text="About 85 soldiers [1].", citations=[cite], abstained=False, notices=[], timings={}))
    assert not english["language_ok"]


def test_follow_ups_are_asked_as_a_conversation(tmp_path):
    """The earlier questions are asked first, in order, the assistant's own
    answers becoming the history; only the last answer is judged."""
    from types import SimpleNamespace

    from rag.app.evaluation import run_answer_eval

    path = tmp_path / "f.jsonl"
    row = {"id": "f1", "lang": "en", "history": ["Who met Kim?", "Where?"], "question": "And when?", "answers": [["Thursday"]], "evidence": ["x"]}
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    questions = load_questions(path)
    assert questions[0].history == ("Who met Kim?", "Where?")
    calls = []

    def ask(question, history=None):
        calls.append((question, list(history or [])))
        return SimpleNamespace(
            text=f"answer {len(calls)}" if question != "And when?" else "On Thursday [1].", citations=[], abstained=False, notices=[], timings={}
        )

    answers, rows, _ = run_answer_eval(questions, ask)
    assert calls == [("Who met Kim?", []), ("Where?", [("Who met Kim?", "answer 1")]), ("And when?", [("Who met Kim?", "answer 1"), ("Where?", "answer 2")])]
    assert [r["id"] for r in rows] == ["f1"] and rows[0]["correct"]
