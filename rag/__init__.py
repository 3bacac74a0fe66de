"""Bilingual (Arabic / English) question answering over news articles, with citations."""

from .answer import Answer, Citation
from .api import EmptyQuestionError, QuestionError, ask, build_index, retrieve
from .config import Settings
from .retrieval import Passage

__all__ = ["ask", "build_index", "retrieve", "Answer", "Citation", "Passage", "Settings", "QuestionError", "EmptyQuestionError"]
