"""Tests of rag.answer: from ranked sentences to checked, cited answers."""
