"""The answer stream as typed events, and the one helper that reads it.

    Sources   the passages and the verified answer, before a model checks,
              writes or translates (again when it moves on to the next task)
    Token     a piece of the model's text
    Restart   the text so far is void: the check refused it and the model tries
              again, or it now translates the verified sentence
    Final     the checked answer: authoritative, whatever was streamed

An answer that needs no model is a single Final. The CLI, the UI, `rag.ask`
and the tests read a stream through `follow` (or `final`), so the rule "a
Restart clears the streamed text" lives here only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from rag.answer.schema import Answer

# What the model is doing while a draft is shown.
Pending = Literal["choosing", "checking", "writing", "translating"]


@dataclass(frozen=True)
class Sources:
    answer: Answer  # a draft: passages, citations and the verified text
    pending: Pending


@dataclass(frozen=True)
class Restart:
    answer: Answer  # the draft to show again while the model starts over
    pending: Pending


@dataclass(frozen=True)
class Token:
    text: str


@dataclass(frozen=True)
class Final:
    answer: Answer


Event = Sources | Restart | Token | Final


def follow(events: Iterable[Event]) -> Iterator[tuple[Event, str]]:
    """Each event with the model's text streamed since the last Sources or
    Restart: what a reader should see while the model writes."""
    streamed = ""
    for event in events:
        if isinstance(event, Token):
            streamed += event.text
        elif isinstance(event, (Sources, Restart)):
            streamed = ""
        yield event, streamed


def final(events: Iterable[Event]) -> Answer:
    """The final answer of a stream (reading it to the end)."""
    last = None
    for event in events:
        last = event
    if not isinstance(last, Final):
        raise RuntimeError("the answer stream ended without a final answer")
    return last.answer
