"""What a question asks: follow-ups, the kind of answer and small talk, in Arabic and English."""

import pytest

from rag.search.questions import answer_kind, condense, is_follow_up, small_talk


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
        # A "thanks" in between is not the topic: the question before it is.
        ("And how many shells?", [("How many containers?", "1,000 [1]"), ("Thanks!", "...")], "How many containers? And how many shells?"),
        ("وكم قذيفة؟", [("كم حاوية سلمت كوريا الشمالية؟", "ألف [1]"), ("شكراً", "...")], "كم حاوية سلمت كوريا الشمالية؟ وكم قذيفة؟"),
        ("And when?", [("hello", "...")], "And when?"),
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


@pytest.mark.parametrize(
    "message, kind",
    [
        ("hello", "greeting"),
        ("Hi there!", "greeting"),
        ("Good morning 👋", "greeting"),
        ("how are you?", "greeting"),
        ("مرحباً", "greeting"),
        ("السلام عليكم ورحمة الله وبركاته", "greeting"),
        ("أهلاً وسهلاً", "greeting"),
        ("صباح الخير", "greeting"),
        ("Thanks a lot :)", "thanks"),
        ("hello, thank you, bye", "thanks"),
        ("شكراً جزيلاً!", "thanks"),
        ("مع السلامة", "thanks"),
        # Anything more is a question, answered from the articles.
        ("hello, who is Kirby?", ""),
        ("Hi Kirby", ""),
        ("thanks for the figures on containers", ""),
        ("مرحبا، من هو كيربي؟", ""),
        ("ما هو السلام؟", ""),
        ("شكرا لماذا", ""),
        ("who said hello?", ""),
        ("", ""),
    ],
)
def test_small_talk(message, kind):
    assert small_talk(message) == kind
