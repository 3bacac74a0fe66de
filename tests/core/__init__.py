"""Tests of rag.core: settings and Arabic/English text handling."""
