"""The one data type the answer stage hands on: an `Answer` and its `Citation`s."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from rag.answer.evidence import Evidence
from rag.core.notices import Notice
from rag.search.retrieval import Passage, Sentence


@dataclass(frozen=True)
class Citation:
    n: int
    chunk_id: str
    doc_id: str
    title: str
    source: str
    date: str
    text: str  # the whole passage
    start: int  # the passage, as offsets into the cleaned article
    end: int
    sentence: str  # the sentence that supports the answer
    sentence_start: int
    sentence_end: int
    score: float


@dataclass
class Answer:
    question: str
    text: str
    citations: list[Citation]
    language: str
    abstained: bool
    passages: list[Passage] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    backend: str = "none"
    # True when the text is the verified sentence (or its translation), not
    # the model's own words.
    extractive: bool = False
    standalone_question: str = ""
    generated: str = ""  # what the model wrote, before the check
    # The text is a machine translation of `original` (a sentence of the cited
    # passage): readers are told so and shown the original.
    translated: bool = False
    original: str = ""
    # Offsets into `text` of the words that answer (the number or date asked
    # for), shown in bold; None when the question asks for something else.
    span: tuple[int, int] | None = None
    # The similarity (cosine) of the question to the closest retrieved
    # sentence: below settings.support_threshold_* the answer is an abstention.
    support: float = 0.0
    # The model's P(yes) that the best sentences answer the question, when it
    # checked (settings.judge; below settings.judge_threshold_* an abstention),
    # or else the highest of the sentences the pick read (settings.pick; below
    # settings.pick_threshold_* an abstention).
    answerable: float | None = None

    def to_dict(self) -> dict:
        """JSON-ready: the answer, its citations and the passages it was drawn from."""
        data = asdict(self)
        data["passages"] = [p.to_dict() for p in self.passages]
        data["notices"] = [n.to_dict() for n in self.notices]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Answer:
        """The inverse of to_dict (a kept conversation is reopened from it)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["citations"] = [Citation(**c) for c in data.get("citations", [])]
        values["passages"] = [Passage(**p) for p in data.get("passages", [])]
        values["notices"] = [Notice(n["code"], n.get("detail", "")) for n in data.get("notices", [])]
        values["span"] = tuple(data["span"]) if data.get("span") else None
        return cls(**values)

    def notice_texts(self) -> list[str]:
        """The notices as the reader reads them, in the question's language."""
        return [n.text(self.language) for n in self.notices]


def citation(item: Evidence, sentence: Sentence) -> Citation:
    """The citation of one evidence passage, pointing at the sentence that supports the answer."""
    p = item.passage
    return Citation(item.n, p.chunk_id, p.doc_id, p.title, p.source, p.date, p.text, p.start, p.end, sentence.text, sentence.start, sentence.end, p.score)
