"""Tests of rag.index: building, updating and protecting the stored index."""
