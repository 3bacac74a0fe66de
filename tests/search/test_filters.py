"""Filters by outlet and date, and "latest" questions: pure functions, then real searches."""

import json

import pytest

from rag.app import api
from rag.index.store import FileEntry, Manifest
from rag.search.filters import Filter, FilterError, date_range, iso_day, outlets, scope
from rag.search.questions import asks_latest
from tests.conftest import make_settings, rag

MANIFEST = Manifest(
    "c",
    "e",
    384,
    "1",
    "1",
    {},
    files={
        "a": FileEntry("a.txt", "", "A", ["a1", "a2"], "الوطن", "2024-01-10"),
        "b": FileEntry("b.txt", "", "B", ["b1"], "Al Rai", "2024-03-05"),
        "c": FileEntry("c.txt", "", "C", ["c1"], "الراي", "31 August"),  # a date that could not be read
        "d": FileEntry("d.txt", "", "D", ["d1"], "", ""),
    },
)


@pytest.mark.parametrize(
    "chosen, docs, undated",
    [
        (Filter(), None, 0),  # no filter: search everything
        (Filter(("الوطن",)), {"a"}, 0),
        (Filter(("al rai",)), {"b"}, 0),  # case does not matter
        (Filter(("الرأي",)), {"c"}, 0),  # nor the hamza of the Arabic spelling
        (Filter(since="2024-02-01"), {"b"}, 2),  # undated articles are left out by a date bound, and counted
        (Filter(until="2024-01-10"), {"a"}, 2),
        (Filter(("الوطن", "Al Rai"), "2024-01-01", "2024-12-31"), {"a", "b"}, 0),
        (Filter(("الراي",), since="2024-01-01"), set(), 1),
    ],
)
def test_scope(chosen, docs, undated):
    found = scope(MANIFEST, chosen)
    if docs is None:
        assert found is None
    else:
        assert set(found.docs) == docs and found.left_out == 4 - len(docs) and found.undated_left_out == undated
        assert found.chunks == {c for d in docs for c in MANIFEST.files[d].chunks}


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"since": "10/01/2024"}, "YYYY-MM-DD"),
        ({"until": "2024-1-5"}, "YYYY-MM-DD"),
        ({"since": "2023-13-01"}, "YYYY-MM-DD"),  # the shape of a date, but no such day
        ({"since": "2024-05-01", "until": "2024-01-01"}, "after"),
    ],
)
def test_malformed_dates_are_refused_with_the_format(arguments, message):
    with pytest.raises(FilterError, match=message):
        Filter.of(**arguments)


def test_an_unknown_outlet_names_the_outlets_the_index_holds():
    with pytest.raises(FilterError, match="Outlets in the index: Al Rai, الراي, الوطن"):
        scope(MANIFEST, Filter(("CNN",)))


def test_what_the_index_holds():
    assert outlets(MANIFEST) == ["Al Rai", "الراي", "الوطن"]
    assert date_range(MANIFEST) == ("2024-01-10", "2024-03-05")
    assert Filter.of("الوطن", " ", None) == Filter(("الوطن",))
    assert [iso_day(d) for d in ("2024-01-10", "2024-01-10T08:00", "31 August", "")] == ["2024-01-10", "2024-01-10", "", ""]


@pytest.mark.parametrize(
    "question, latest",
    [
        ("What is the latest on the port?", True),
        ("What did the port report most recently?", True),
        ("Which port reported the most recent figures?", True),
        ("How many ships arrived last year?", False),
        ("ما آخر أخبار الميناء؟", True),
        ("آخر ما أعلنه الميناء", True),
        ("ما هو أحدث تقرير عن الميناء؟", True),
        ("ماذا أعلن الميناء مؤخراً؟", True),
        ("من هو المسؤول الآخر؟", False),  # آخر after a noun is "other"
        ("كم سفينة استقبل الميناء؟", False),
    ],
)
def test_asks_latest(question, latest):
    assert asks_latest(question) is latest


# --- real searches over articles from three outlets on three days ------------------

ARTICLES = {
    "jeddah-jan.txt": ("ميناء جدة يستقبل سفن الحاويات", "الوطن", "2024-01-10", "استقبل ميناء جدة الإسلامي 120 سفينة حاويات في الأسبوع الأول من العام."),
    "jeddah-mar.txt": ("ميناء جدة يسجل رقماً جديداً", "الراي", "2024-03-05", "سجل ميناء جدة الإسلامي رقماً قياسياً باستقبال 300 سفينة حاويات خلال شهر فبراير."),
    "jeddah-may.md": (
        "ميناء جدة يوسع أرصفته",
        "السومرية",
        "2024-05-20",
        "أعلن ميناء جدة الإسلامي توسعة أرصفته لاستقبال 450 سفينة حاويات شهرياً بحلول نهاية العام.",
    ),
    "jeddah-undated.txt": ("ميناء جدة والحاويات", "الوطن", "", "يستقبل ميناء جدة الإسلامي سفن الحاويات من آسيا وأوروبا على مدار العام."),
}


@pytest.fixture(scope="module")
def outlets_index(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("outlets")
    (tmp / "seeds").mkdir()
    for name, (title, source, date, body) in ARTICLES.items():
        dated = f"تاريخ النشر: {date}\n" if date else ""
        (tmp / "seeds" / name).write_text(f"{title}\n{dated}{body}\nالمصدر: {source}\n", encoding="utf-8")
    settings = make_settings(tmp, llm="none")
    api.build_index(settings=settings)
    return settings


def _files(passages):
    return {p.path for p in passages}


@pytest.mark.parametrize("memory_vectors", [200_000, 0])  # exact in memory, and Chroma's `where`
@pytest.mark.parametrize("question", ["كم سفينة حاويات استقبل ميناء جدة؟", "How many container ships did the port of Jeddah receive?"])
def test_outlet_and_date_filters_in_both_languages(outlets_index, question, memory_vectors):
    settings = outlets_index.with_(memory_vectors=memory_vectors)
    assert len(_files(api.retrieve(question, k=10, settings=settings))) == 4
    assert _files(api.retrieve(question, k=10, settings=settings, sources=["الراي"])) == {"jeddah-mar.txt"}
    assert _files(api.retrieve(question, k=10, settings=settings, sources="الوطن")) == {"jeddah-jan.txt", "jeddah-undated.txt"}
    assert _files(api.retrieve(question, k=10, settings=settings, since="2024-03-01")) == {"jeddah-mar.txt", "jeddah-may.md"}
    assert _files(api.retrieve(question, k=10, settings=settings, sources="الوطن", until="2024-02-01")) == {"jeddah-jan.txt"}
    assert api.retrieve(question, k=10, settings=settings, since="2025-01-01") == []


def test_a_filtered_answer_cites_only_the_chosen_outlet_and_says_so(outlets_index):
    answer = api.ask("كم سفينة حاويات استقبل ميناء جدة؟", settings=outlets_index, sources=["السومرية"])
    assert answer.citations and {c.source for c in answer.citations} == {"السومرية"} and "450" in answer.text
    assert "filtered" in [n.code for n in answer.notices] and "1 of 4" in answer.notices[-1].detail
    english = api.ask("How many container ships did the port of Jeddah receive?", settings=outlets_index, sources=["الراي"])
    assert {c.source for c in english.citations} == {"الراي"} and "300" in english.text


def test_the_latest_news_comes_first(outlets_index):
    for question in ("What is the latest news on the port of Jeddah?", "ما آخر أخبار ميناء جدة؟"):
        assert api.retrieve(question, k=4, settings=outlets_index)[0].path == "jeddah-may.md"


def test_the_cli_filters_and_lists_what_the_index_holds(outlets_index):
    done = rag(outlets_index, "search", "ميناء جدة", "--source", "الراي", "--json")
    assert done.returncode == 0 and {p["path"] for p in json.loads(done.stdout)} == {"jeddah-mar.txt"}
    done = rag(outlets_index, "ask", "How many ships?", "--since", "01/02/2024")
    assert done.returncode == 2 and "YYYY-MM-DD" in done.stderr and "Traceback" not in done.stderr
    done = rag(outlets_index, "search", "ميناء", "--source", "CNN")
    assert done.returncode == 2 and "Outlets in the index: الراي, السومرية, الوطن" in done.stderr
    status = json.loads(rag(outlets_index, "status", "--json").stdout)
    assert status["dates"] == "2024-01-10 – 2024-05-20" and len(status["outlets"]) == 3
