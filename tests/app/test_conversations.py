"""Kept conversations: SQLite beside the index, per user, reopened as they were, exported as Markdown."""

import pytest

from rag.answer.schema import Answer, Citation
from rag.app.conversations import Conversations, to_markdown
from rag.core.notices import Notice
from tests.conftest import rag

CITATION = Citation(
    1, "c1", "002_x", "أمريكا تعلق على المفاوضات", "السومرية", "2023-08-31", "نص المقطع", 0, 10, "قالت السفيرة إن المحادثات مثيرة للقلق.", 0, 38, 0.9
)


def answer(text: str, language: str = "ar", **extra) -> Answer:
    return Answer("q", text, [CITATION], language, False, notices=[Notice("answer_span")] if language == "en" else [], **extra)


def test_turns_are_kept_per_user_and_reopened_as_they_were(tmp_path):
    store = Conversations(tmp_path / "index" / "conversations.sqlite")
    first = answer("قالت السفيرة إن المحادثات مثيرة للقلق [1]")
    kept = store.add_turn(None, "amal", "ماذا قالت السفيرة؟", first)
    assert store.add_turn(kept, "amal", "ومتى؟", answer("2023-08-31 [1]")) == kept
    other = store.add_turn(kept, "omar", "Who spoke?", answer("The ambassador [1]", "en"))  # not omar's: a new one
    assert other != kept
    assert [(c.title, c.turns) for c in store.listed("amal")] == [("ماذا قالت السفيرة؟", 2)]
    assert [q for q, _ in store.turns(kept, "amal")] == ["ماذا قالت السفيرة؟", "ومتى؟"]
    assert store.turns(kept, "amal")[0][1] == first  # the whole Answer, citations and all
    assert store.turns(kept, "omar") == [] and not store.delete(kept, "omar")  # someone else's
    assert store.delete(kept, "amal") and store.listed("amal") == [] and store.turns(kept, "amal") == []
    assert len(store.listed("omar")) == 1


@pytest.mark.parametrize(
    "question, text, language, expected",
    [
        ("ماذا قالت السفيرة؟", "قالت السفيرة إن المحادثات مثيرة للقلق [1]", "ar", "## ماذا قالت السفيرة؟"),
        ("When did she say it?", "31 August 2023 [1]", "en", "> The number or date asked for"),  # the notice, in the reader's words
    ],
)
def test_markdown_export_holds_the_answer_and_the_cited_sentence(question, text, language, expected):
    markdown = to_markdown([(question, answer(text, language))], "Session")
    assert markdown.startswith("# Session\n") and expected in markdown and text in markdown
    assert "[1] **أمريكا تعلق على المفاوضات** (السومرية, 2023-08-31, 002_x)" in markdown
    assert "> قالت السفيرة إن المحادثات مثيرة للقلق." in markdown


def test_the_terminal_chat_exports_the_conversation(seeds_index, tmp_path):
    target = tmp_path / "chat.md"
    questions = "كم عدد العسكريين الذين قتلوا في الضربة على مطعم في مدينة كريفي ريه؟\nوكم طفلاً؟\n\n"
    out = rag(seeds_index, "chat", "--export", str(target), input=questions, RAG_LLM="none")
    assert out.returncode == 0 and f"conversation written to {target}" in out.stdout, out.stderr
    markdown = target.read_text(encoding="utf-8")
    assert markdown.count("\n## ") == 2 and "85" in markdown and "> " in markdown
