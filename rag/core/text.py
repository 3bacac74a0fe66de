"""Text tools shared by ingestion, search and evaluation (pure functions).

Arabic is the first-class case: normalization follows the evaluation contract
(eval/README.md) plus removal of zero-width and bidi control marks, which scraped
pages and copy-pasted questions often carry invisibly.
"""

from __future__ import annotations

import re
import unicodedata

# Harakat, superscript alef, Quranic marks; and tatweel.
_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
# Zero-width characters, bidi embeddings/overrides/isolates, Arabic letter mark, BOM.
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u061c\ufeff\u00ad]")
_LETTER_MAP = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ی": "ي",  # Persian yeh
        "ک": "ك",  # Persian kaf
        "ة": "ه",
        "ؤ": "و",
        "ئ": "ي",
    }
)
# Persian letters that scraped Arabic pages carry; mapping them is char-for-char,
# so offsets into the text stay valid.
PERSIAN_TO_ARABIC = str.maketrans({"ی": "ي", "ک": "ك"})

_ARABIC_LETTER = re.compile("[\u0621-\u064a\u0671-\u06d3\u06fa-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufefc]")
_LATIN_LETTER = re.compile("[A-Za-z\u00c0-\u024f]")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Normalize for matching: the eval contract's rules plus invisible marks.

    Remove diacritics and tatweel; unify alef, yeh, kaf, teh marbuta, hamza
    carriers; lowercase; collapse whitespace.
    """
    text = unicodedata.normalize("NFC", text)
    text = INVISIBLE.sub("", text)
    text = _DIACRITICS.sub("", text)
    text = text.translate(_LETTER_MAP).lower()
    return _SPACES.sub(" ", text).strip()


def detect_language(text: str) -> str:
    """'ar' or 'en': the script of most words ('en' when there are none).

    Words, not letters, are counted: a question like "من هو Kirby؟" is Arabic
    with one English name in it, and is answered in Arabic.
    """
    arabic = latin = 0
    for word in text.split():
        if _ARABIC_LETTER.search(word):
            arabic += 1
        elif _LATIN_LETTER.search(word):
            latin += 1
    return "ar" if arabic > latin else "en"


def has_letters(text: str) -> bool:
    return bool(_ARABIC_LETTER.search(text) or _LATIN_LETTER.search(text) or any(c.isalpha() for c in text))


def search_words(text: str) -> list[str]:
    """The words a search can use: runs of letters or digits in the normalized
    text, leaving out one letter repeated ("xxx", "ههههه"): a key held down is
    not a word, yet the embedding finds it as close to the articles as a real
    question, and an answer to it would be a sentence picked at random."""
    words = "".join(ch if ch.isalnum() else " " for ch in normalize(text)).split()
    return [w for w in words if len(w) < 3 or len(set(w)) > 1 or w.isdigit()]


def word_count(text: str) -> int:
    return len(text.split())


# A sentence ends at . ! ? ؟ ؛ … (possibly repeated, possibly followed by closing
# quotes or brackets) when whitespace or the end of text follows. A decimal point
# ("2.5") has no space after it and so never ends a sentence.
_SENTENCE_END = re.compile(r"(?:[.!?؟؛…]+)[\"'»”’)\]]*(?=\s|$)")
_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "st",
    "jr",
    "sr",
    "vs",
    "etc",
    "e.g",
    "i.e",
    "u.s",
    "u.k",
    "u.n",
    "no",
    "gen",
    "col",
    "lt",
    "sgt",
    "prof",
    "inc",
    "corp",
    "jan",
    "feb",
    "aug",
    "sept",
    "oct",
    "nov",
    "dec",
}


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the '.' at index `dot` closes an English abbreviation or an initial."""
    if text[dot] != "." or dot + 1 < len(text) and text[dot + 1] == ".":
        return False
    start = dot
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    word = text[start:dot].lstrip("(\"'“").lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha() and word.isascii())


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Split text[start:end] into sentences; return (start, end) offsets into `text`.

    Newlines always end a sentence (scraped pages put one paragraph or heading
    per line); spans are trimmed of surrounding whitespace and never empty.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text[start:end]):
        line_start = start + line.start()
        line_end = start + line.end()
        cursor = line_start
        for match in _SENTENCE_END.finditer(text, line_start, line_end):
            if _is_abbreviation(text, match.start()):
                continue
            _append_trimmed(text, cursor, match.end(), spans)
            cursor = match.end()
        _append_trimmed(text, cursor, line_end, spans)
    return spans


def _append_trimmed(text: str, a: int, b: int, out: list[tuple[int, int]]) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b > a:
        out.append((a, b))


def split_sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]
