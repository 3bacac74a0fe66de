"""Bilingual (Arabic / English) question answering over news articles, with citations."""

from .api import EmptyQuestionError, QuestionError, build_index, retrieve
from .config import Settings
from .retrieval import Passage

__all__ = ["build_index", "retrieve", "Settings", "Passage", "QuestionError", "EmptyQuestionError"]
