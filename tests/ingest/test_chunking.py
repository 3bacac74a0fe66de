import statistics
from pathlib import Path

import pytest

from rag.core.text import sentence_spans
from rag.ingest.chunking import chunk_document, pack_sentences
from rag.ingest.reader import load_documents

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def _sentences(words_per_sentence: list[int], word: str) -> str:
    return " ".join(" ".join([word] * n) + "." for n in words_per_sentence)


@pytest.mark.parametrize("word", ["كلمة", "word"])
@pytest.mark.parametrize(
    "sizes, expected_groups",
    [
        ([30, 30, 30, 30, 30], [[0, 1, 2], [2, 3, 4]]),  # closes at the target, overlaps one sentence
        ([30, 30, 30, 30], [[0, 1, 2, 3]]),  # a short new tail joins the chunk before it
        ([100], [[0]]),
        ([50, 50, 10], [[0, 1, 2]]),  # short tail merged into the last chunk
        ([200], None),  # an over-long sentence is cut at word boundaries
    ],
)
def test_pack_sentences(sizes, expected_groups, word):
    text = _sentences(sizes, word)
    spans = sentence_spans(text)
    chunks = pack_sentences(spans, text, target_words=90, max_words=150, min_words=40, overlap=1)
    if expected_groups is None:
        assert [[len(text[a:b].split()) for a, b in c] for c in chunks] == [[150], [50]]
        return
    assert chunks == [[spans[i] for i in g] for g in expected_groups]


@pytest.fixture(scope="module")
def seed_chunks():
    docs, _ = load_documents(SEEDS)
    return docs, [c for d in docs for c in chunk_document(d)]


def test_chunks_are_exact_slices_of_their_document(seed_chunks):
    docs, chunks = seed_chunks
    texts = {d.doc_id: d for d in docs}
    for c in chunks:
        doc = texts[c.doc_id]
        assert doc.text[c.start : c.end] == c.text
        section = doc.sections[c.section]
        assert section.start <= c.start < c.end <= section.end  # never crosses a section
        assert c.sentences[0][0] == c.start and c.sentences[-1][1] == c.end


def test_chunk_sizes_keep_citations_readable(seed_chunks):
    _, chunks = seed_chunks
    assert statistics.fmean(len(c.text) for c in chunks) <= 1000
    assert max(len(c.text.split()) for c in chunks) <= 100
    assert len({c.chunk_id for c in chunks}) == len(chunks)


def test_every_evidence_sentence_is_whole_in_some_chunk(seed_chunks):
    """A fact is never cut in half: each seed sentence lies inside at least one chunk."""
    docs, chunks = seed_chunks
    for doc in docs:
        for a, b in sentence_spans(doc.text):
            if len(doc.text[a:b].split()) <= 100:
                assert any(c.doc_id == doc.doc_id and c.start <= a and b <= c.end for c in chunks)
