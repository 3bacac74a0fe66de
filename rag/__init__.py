"""Bilingual (Arabic / English) question answering over news articles, with citations."""

from rag.answer.schema import Answer, Citation
from rag.app.api import EmptyQuestionError, Engine, QuestionError, ask, build_index, retrieve
from rag.core.config import Settings
from rag.index.store import IndexMissingError, IndexProblem
from rag.search.filters import FilterError
from rag.search.retrieval import Passage

__all__ = [
    "ask",
    "build_index",
    "retrieve",
    "Answer",
    "Citation",
    "Passage",
    "Settings",
    "Engine",
    "QuestionError",
    "EmptyQuestionError",
    "IndexProblem",
    "IndexMissingError",
    "FilterError",
]
