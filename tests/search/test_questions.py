"""What a question asks: follow-ups and the kind of answer, in Arabic and English."""

import pytest

from rag.search.questions import answer_kind, condense, is_follow_up


@pytest.mark.parametrize(
    "question, history, standalone",
    [
        ("وكم قذيفة؟", [("كم حاوية سلمت كوريا الشمالية؟", "ألف [1]")], "كم حاوية سلمت كوريا الشمالية؟ وكم قذيفة؟"),
        ("And how many shells?", [("How many containers?", "1,000 [1]")], "How many containers? And how many shells?"),
        ("What did he say about it?", [("Who is Kirby?", "...")], "Who is Kirby? What did he say about it?"),
        ("How many shells does Russia plan to make this year?", [("Who is Kirby?", "...")], "How many shells does Russia plan to make this year?"),
        (
            "ما هي الدولة الوحيدة التي اعترفت بضم روسيا أربع مناطق أوكرانية؟",
            [("من هو كيربي؟", "...")],
            "ما هي الدولة الوحيدة التي اعترفت بضم روسيا أربع مناطق أوكرانية؟",
        ),
        ("وكم قذيفة؟", None, "وكم قذيفة؟"),
    ],
)
def test_condense(question, history, standalone):
    assert condense(question, history) == standalone


def test_is_follow_up_both_languages():
    assert is_follow_up("وماذا عن القذائف؟") and is_follow_up("what about shells?")
    assert not is_follow_up("How far is the ammunition depot from the Ukrainian border?")


@pytest.mark.parametrize(
    "question, kind",
    [
        ("How many people were killed in the strike?", "a number"),
        ("كم شخصاً قتل في الضربة؟", "a number"),
        ("وكم قذيفة أنتجت روسيا؟", "a number"),  # a follow-up opening with و
        ("ما عدد الحاويات التي وصلت؟", "a number"),
        ("How far is the depot from the border?", "a number"),
        ("When did the talks start?", "a length of time or a date"),
        ("How long did the call last?", "a length of time or a date"),
        ("متى بدأت المحادثات؟", "a length of time or a date"),
        ("منذ متى لم يسافر الرئيس؟", "a length of time or a date"),
        ("Where will the leaders meet?", "a place"),
        ("In which city will they meet?", "a place"),
        ("أين سيلتقي الزعيمان؟", "a place"),
        ("في أي مدينة سيلتقي الزعيمان؟", "a place"),
        ("Why is the country under sanctions?", "a reason"),
        ("لماذا تخضع البلاد لعقوبات؟", "a reason"),
        ("ما سبب العقوبات؟", "a reason"),
        ("Who met the leader on Thursday?", "the name of a person"),
        ("من هو المتحدث باسم الوزارة؟", "the name of a person"),
        ("من التقى الزعيم يوم الخميس؟", "the name of a person"),
        ("What did the minister say about the deal?", ""),
        ("ماذا قال الوزير عن الصفقة؟", ""),
        ("كيف وصف الرئيس الهجوم؟", ""),
    ],
)
def test_answer_kind(question, kind):
    assert answer_kind(question) == kind
