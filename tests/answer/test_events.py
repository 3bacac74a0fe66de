"""The answer stream's one reader: what a reader sees after each event."""

import pytest

from rag.answer.events import Final, Restart, Sources, Token, final, follow
from rag.answer.schema import Answer

DRAFT = Answer("كم؟", "ألف حاوية [1]", [], "ar", False)
DONE = Answer("كم؟", "أكثر من ألف حاوية [1].", [], "ar", False)


@pytest.mark.parametrize(
    "events, seen",
    [
        ([Final(DONE)], [""]),  # no model: one event
        ([Sources(DRAFT, "writing"), Token("أكثر "), Token("من ألف"), Final(DONE)], ["", "أكثر ", "أكثر من ألف", "أكثر من ألف"]),
        # A refused try: the restart voids what was streamed.
        ([Sources(DRAFT, "writing"), Token("wrong"), Restart(DRAFT, "writing"), Token("right"), Final(DONE)], ["", "wrong", "", "right", "right"]),
        (
            [Sources(DRAFT, "translating"), Token("More than "), Token("a thousand"), Final(DONE)],
            ["", "More than ", "More than a thousand", "More than a thousand"],
        ),
    ],
)
def test_follow_pairs_each_event_with_the_text_streamed_since_the_last_start(events, seen):
    assert [streamed for _, streamed in follow(events)] == seen
    assert [event for event, _ in follow(events)] == events
    assert final(events) is DONE


def test_a_stream_without_a_final_answer_is_an_error():
    with pytest.raises(RuntimeError, match="without a final answer"):
        final([Sources(DRAFT, "writing"), Token("x")])
