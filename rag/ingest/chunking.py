"""Sentence-aware chunks with character offsets into the cleaned document.

Chunks never cross a section (an appended news item is another story), hold
whole sentences, and overlap by a sentence so that a fact split across a chunk
boundary is still found whole in one of them. Offsets let a UI highlight the
passage inside its article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.core.config import MAX_WORDS, MIN_WORDS, OVERLAP_SENTENCES, TARGET_WORDS
from rag.core.text import sentence_spans
from rag.ingest.reader import Document

# Bump when chunking changes: the manifest records it and a new version re-indexes.
CHUNKER_VERSION = "4"


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    doc_id: str
    section: int
    section_kind: str
    section_title: str
    start: int
    end: int
    text: str
    # (start, end) of each sentence in the chunk, offsets into the document.
    sentences: tuple[tuple[int, int], ...] = ()

    def metadata(self, doc: Document) -> dict:
        return {
            **doc.metadata,
            "chunk_id": self.chunk_id,
            "section": self.section,
            "section_kind": self.section_kind,
            "section_title": self.section_title,
            "start": self.start,
            "end": self.end,
        }


def _words(text: str, a: int, b: int) -> int:
    return len(text[a:b].split())


def _split_long(text: str, a: int, b: int, max_words: int) -> list[tuple[int, int]]:
    """Cut an over-long sentence at word boundaries into pieces of <= max_words."""
    words = list(re.finditer(r"\S+", text[a:b]))
    pieces = []
    for i in range(0, len(words), max_words):
        group = words[i : i + max_words]
        pieces.append((a + group[0].start(), a + group[-1].end()))
    return pieces


def pack_sentences(
    spans: list[tuple[int, int]],
    text: str,
    target_words: int,
    max_words: int,
    min_words: int,
    overlap: int,
) -> list[list[tuple[int, int]]]:
    """Group consecutive sentence spans into chunks of about target_words.

    A chunk closes once it reaches target_words, or before a sentence that would
    push it past max_words. The next chunk repeats the last `overlap` sentences.
    A short tail is merged into the previous chunk when that stays under max_words.
    Returns the sentence spans of each chunk (over-long sentences cut in pieces).
    """
    units: list[tuple[int, int]] = []
    for a, b in spans:
        units.extend(_split_long(text, a, b, max_words) if _words(text, a, b) > max_words else [(a, b)])
    sizes = [_words(text, a, b) for a, b in units]
    chunks: list[list[int]] = []  # lists of unit indexes
    current: list[int] = []
    for i, n in enumerate(sizes):
        if current and sum(sizes[j] for j in current) + n > max_words:
            chunks.append(current)
            current = current[-overlap:] if overlap else []
            if sum(sizes[j] for j in current) + n > max_words:
                current = []
        current.append(i)
        if sum(sizes[j] for j in current) >= target_words:
            chunks.append(current)
            current = current[-overlap:] if overlap and len(current) > overlap else []
    # What is left is new text only if it goes past the overlap carried over.
    if current and (not chunks or current[-1] > chunks[-1][-1]):
        fresh = [j for j in current if not chunks or j > chunks[-1][-1]]
        if chunks and sum(sizes[j] for j in fresh) < min_words and sum(sizes[j] for j in chunks[-1] + fresh) <= max_words:
            chunks[-1] = chunks[-1] + fresh
        else:
            chunks.append(current)
    return [[units[j] for j in chunk] for chunk in chunks]


def chunk_document(
    doc: Document,
    target_words: int = TARGET_WORDS,
    max_words: int = MAX_WORDS,
    min_words: int = MIN_WORDS,
    overlap: int = OVERLAP_SENTENCES,
) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in doc.sections:
        spans = sentence_spans(doc.text, section.start, section.end)
        for i, sentences in enumerate(pack_sentences(spans, doc.text, target_words, max_words, min_words, overlap)):
            a, b = sentences[0][0], sentences[-1][1]
            chunks.append(
                Chunk(
                    # The content hash in the id lets a changed article's new passages be
                    # added beside the old ones and switched in by the manifest.
                    chunk_id=f"{doc.doc_id}#{doc.sha256[:8]}s{section.n}c{i}",
                    doc_id=doc.doc_id,
                    section=section.n,
                    section_kind=section.kind,
                    section_title=section.title,
                    start=a,
                    end=b,
                    text=doc.text[a:b],
                    sentences=tuple(sentences),
                )
            )
    return chunks
