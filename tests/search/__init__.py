"""Tests of rag.search: finding and ranking passages and sentences."""
