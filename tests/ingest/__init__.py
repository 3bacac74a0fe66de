"""Tests of rag.ingest: reading and cleaning articles, splitting them into chunks."""
