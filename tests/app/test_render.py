"""The chat UI's rendering: escaping, direction, citation links, highlights (pure functions)."""

from __future__ import annotations

import re

import pytest

from rag.answer.schema import Answer, Citation
from rag.app.render import escape, highlighted, linked, message, sources_panel, status_html, turn_sources
from rag.core.notices import TEXTS, Notice
from rag.core.text import detect_language
from rag.search.retrieval import Passage


@pytest.mark.parametrize(
    "typed",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "ما هو <b>الخبر</b>؟",
        "[click](javascript:alert(1))",
        "**bold** and `code` # heading",
        "سؤال & جواب > 3",
    ],
)
def test_escape_leaves_no_markup(typed):
    out = escape(typed)
    assert "<" not in out and ">" not in out.replace("&gt;", "")
    assert not re.search(r"(?<!\\)[*`\[\]#]", out)  # every Markdown mark is escaped


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("Sixteen people were killed [1].", [1]),
        ("قتل 16 شخصاً [٢].", [2]),
        ("Both say so [1, 3].", [1, 3]),
        ("الخبر [1][2]", [1, 2]),
        ("No citation here.", []),
    ],
)
def test_markers_become_links_to_their_passage(text, numbers):
    out = linked(text, turn=4)
    assert re.findall(r'href="#rag-src-4-(\d+)"', out) == [str(n) for n in numbers]


def test_marker_inside_typed_html_stays_text():
    out = linked('<a href="x">[1]</a>', turn=0)
    assert "&lt;a href=" in out and out.count("<a ") == 1  # only our link


@pytest.mark.parametrize(
    ("text", "direction", "language"),
    [
        ("من هو المتحدث باسم الكرملين؟", "rtl", "ar"),
        ("Who is the Kremlin spokesman?", "ltr", "en"),
        ("ما رأي Kirby في الصفقة؟", "rtl", "ar"),
        ("What did بيسكوف say?", "ltr", "en"),
    ],
)
def test_each_message_carries_its_own_direction(text, direction, language):
    out = message(text)
    assert out.startswith(f'<div class="rag-msg" dir="{direction}" lang="{language}">\n\n')
    assert out.endswith("\n\n</div>")  # blank lines keep the inside Markdown


@pytest.mark.parametrize(
    ("passage", "start", "sentence", "sentence_start", "marked"),
    [
        ("أولى. ثانية هنا. ثالثة.", 100, "ثانية هنا.", 106, "ثانية هنا."),
        ("First. Second one. Third.", 0, "Second one.", 7, "Second one."),
        ("First. Second one. Third.", 0, "Second one.", 99, "Second one."),  # stale offsets: found by text
        ("First. <b>x</b> here.", 0, "<b>x</b> here.", 7, "&lt;b&gt;x&lt;/b&gt; here."),
    ],
)
def test_supporting_sentence_is_highlighted(passage, start, sentence, sentence_start, marked):
    out = highlighted(passage, start, sentence, sentence_start)
    assert re.findall(r'<mark class="rag-hl">(.*?)</mark>', out) == [marked]


def test_missing_sentence_is_not_highlighted():
    assert "<mark" not in highlighted("Some text.", 0, "Other text.", 0)


def _passage(chunk_id: str, text: str, title: str = "عنوان") -> Passage:
    return Passage(chunk_id, "doc", title, text, 0, len(text), 0.5, path="seeds/003.txt", date="2023-09-13")


def test_sources_list_cited_passages_first_and_the_rest_collapsed():
    cited_text = "قال المتحدث إن <script>x</script> الاتهامات بلا دليل."
    passages = [_passage("a", "نص آخر."), _passage("b", cited_text, "لافروف <i>يلتقي</i>")]
    sentence = "الاتهامات بلا دليل."
    citation = Citation(
        1, "b", "doc", "لافروف <i>يلتقي</i>", "", "2023-09-13", cited_text, 0, len(cited_text), sentence, cited_text.index(sentence), len(cited_text), 0.5
    )
    answer = Answer("ماذا قال؟", "قال إن الاتهامات بلا دليل [1].", [citation], "ar", False, passages)
    html = turn_sources(2, answer, "ar")
    assert html.index('id="rag-src-2-1"') < html.index('class="rag-others"')
    assert "<script>" not in html and "<i>" not in html  # article text is shown, never run
    assert '<mark class="rag-hl">الاتهامات بلا دليل.</mark>' in html and "003.txt" in html
    assert 'data-final="1"' in html and 'dir="rtl"' in html


def test_panel_shows_latest_turn_first_and_older_folded():
    panel = sources_panel(["<div>first</div>", "<div>second</div>"], "en")
    assert panel.index("second") < panel.index("first") and 'class="rag-older"' in panel
    assert "Click a [n]" in sources_panel([], "en") and 'dir="rtl"' in sources_panel([], "ar")


def test_older_turns_are_labelled_by_their_question():
    older = '<div class="rag-turn" data-question="How many &lt;b&gt;containers&lt;/b&gt;?">x</div>'
    panel = sources_panel([older, "<div>second</div>"], "en")
    assert "<summary>How many &lt;b&gt;containers&lt;/b&gt;?</summary>" in panel  # escaped, never markup


@pytest.mark.parametrize("code", sorted(TEXTS))
def test_every_notice_reads_plainly_in_both_languages(code):
    """Readers get a sentence in their language; the detail stays in the API."""
    notice = Notice(code, detail="numbers not in the cited passages: [5000.0]")
    arabic, english = notice.text("ar"), notice.text("en")
    assert detect_language(arabic) == "ar" and detect_language(english) == "en"
    assert "5000" not in arabic + english and "[" not in arabic + english
    assert notice.to_dict()["detail"].startswith("numbers")


def test_unknown_notice_codes_are_refused():
    with pytest.raises(ValueError):
        Notice("something_else")


@pytest.mark.parametrize(
    "text, span, bold",
    [
        ("أكثر من ألف حاوية [1]", (8, 11), '<b class="rag-span">ألف</b>'),
        ("1,000 [1]", (0, 5), '<b class="rag-span">1,000</b>'),
        ("<i>16</i> [1]", (3, 5), '<b class="rag-span">16</b>'),
    ],
)
def test_the_words_that_answer_are_bold_and_still_escaped(text, span, bold):
    out = message(text, None, 0, span=span)
    assert bold in out and "<i>" not in out and 'href="#rag-src-0-1"' in out


def test_the_number_asked_for_is_bold_inside_the_highlighted_sentence():
    passage = "قبل ذلك. سلمت كوريا الشمالية ألف حاوية إلى روسيا. وبعد ذلك."
    sentence = "سلمت كوريا الشمالية ألف حاوية إلى روسيا."
    html = highlighted(passage, 0, sentence, passage.index(sentence), "How many containers?")
    assert '<mark class="rag-hl">سلمت كوريا الشمالية <b class="rag-span">ألف</b> حاوية إلى روسيا.</mark>' in html


@pytest.mark.parametrize(("language", "words"), [("en", ["documents", "answers"]), ("ar", ["مقالات", "الإجابات"])])
def test_status_in_the_interface_language(language, words):
    status = {"documents": 5, "chunks": 63, "embedding": "e5<x>", "built": "2026-11-24 09:00:00"}
    out = status_html(status, "local:model", language)
    assert all(w in out for w in words) and "e5&lt;x&gt;" in out


@pytest.mark.parametrize(
    "language, expected",
    [("en", "All 5 articles are searched, dated 2023-08-01 to 2023-09-30."), ("ar", "يُبحث في كل المقالات (5)، المؤرخة من 2023-08-01 إلى 2023-09-30.")],
)
def test_the_filter_note_says_what_is_searched(language, expected):
    from rag.app.render import filter_note
    from rag.search.filters import Scope

    assert expected in filter_note(None, 5, ("2023-08-01", "2023-09-30"), language)
    some = filter_note(Scope(frozenset({"a"}), frozenset({"a1"}), 5, 2), 5, None, language)
    assert ("1 of 5" in some and "4 left out" in some) if language == "en" else ("1 من 5" in some and "استُبعد 4" in some)
    bad = filter_note(None, 0, None, language, problem="since must be a date written YYYY-MM-DD, not '<b>'")
    assert "&lt;b&gt;" in bad and "<b>" not in bad  # escaped, never markup


@pytest.mark.parametrize("language", ["ar", "en"])
def test_every_pending_model_step_has_a_note_in_the_readers_language(language):
    from typing import get_args

    from rag.answer.events import Pending
    from rag.app.render import text_for

    for pending in get_args(Pending):
        note = text_for(language)["drafting" if pending == "writing" else pending]
        assert note.endswith("…") and detect_language(note) == language
