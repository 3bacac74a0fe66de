"""Arabic-aware lexical search: tokenizer, light stemmer, name transliteration, BM25.

Dense retrieval misses exact names and numbers; BM25 over normalized, stemmed
tokens finds them. Arabic words carry clitics (و، ب، ال، لل) and suffixes, and
the Snowball Arabic stemmer strips them inconsistently (الحاويات -> حاو but
حاويات -> حاويا; فلاديفوستوك -> لاديفوست), so Arabic tokens get Larkey's
"light10" stemmer, a standard for Arabic retrieval; English tokens get Snowball
English (PyStemmer). The tokenizer works on `text.normalize` output, so harakat,
tatweel, hamza forms and Persian letters never split or change a word.

English questions over Arabic articles share almost no tokens with them, except
numbers and names. `transliterations` maps Latin names in a question to the
Arabic spellings that occur in the articles (Kirby -> كيربي, Lavrov -> لافروف)
by comparing consonant skeletons, a bilingual name lexicon mined from the index's
own vocabulary, with no dictionary to maintain.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.core.text import normalize

# Bump when the BM25 tokens change: the manifest records it and a new version re-indexes.
LEXICAL_VERSION = "2"

_TOKEN = re.compile(r"[^\W_]+")
_ARABIC = re.compile("[\u0621-\u064a]")
INDIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

# Normalized (see text.normalize) function words and question words.
ARABIC_STOPWORDS = frozenset(
    normalize(w)
    for w in [
        "في",
        "من",
        "على",
        "إلى",
        "الى",
        "عن",
        "أن",
        "إن",
        "ان",
        "ما",
        "لا",
        "لم",
        "لن",
        "هذا",
        "هذه",
        "ذلك",
        "تلك",
        "هؤلاء",
        "التي",
        "الذي",
        "الذين",
        "اللذين",
        "اللتين",
        "كان",
        "كانت",
        "يكون",
        "تكون",
        "كانوا",
        "قد",
        "و",
        "أو",
        "او",
        "ثم",
        "مع",
        "بين",
        "كل",
        "بعد",
        "قبل",
        "عند",
        "حتى",
        "هو",
        "هي",
        "هم",
        "هن",
        "نحن",
        "أنا",
        "انت",
        "أنت",
        "أي",
        "اي",
        "إذا",
        "اذا",
        "لو",
        "كما",
        "لكن",
        "بل",
        "غير",
        "أيضا",
        "ايضا",
        "حيث",
        "منذ",
        "خلال",
        "حول",
        "ضد",
        "دون",
        "عبر",
        "لدى",
        "لها",
        "له",
        "لهم",
        "به",
        "بها",
        "فيه",
        "فيها",
        "منه",
        "منها",
        "عليه",
        "عليها",
        "إليه",
        "اليه",
        "كم",
        "ماذا",
        "متى",
        "أين",
        "اين",
        "كيف",
        "لماذا",
        "هل",
        "من",
        "ما",
        "هي",
        "وهو",
        "وهي",
        "وقد",
        "وفي",
        "ومن",
        "وعلى",
        "وإلى",
        "وأن",
        "وان",
        "فإن",
        "فان",
        "بأن",
        "بان",
        "لأن",
        "لان",
        "التى",
        "الى",
        "إلي",
        "يا",
        "تم",
        "ذات",
        "أحد",
        "احد",
        "بعض",
        "بسبب",
        "وفق",
        "وفقا",
        "حسب",
        "بحسب",
        "حوالي",
    ]
)
ENGLISH_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "about",
        "as",
        "into",
        "over",
        "after",
        "before",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "do",
        "does",
        "did",
        "has",
        "have",
        "had",
        "will",
        "would",
        "can",
        "could",
        "should",
        "may",
        "might",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "he",
        "she",
        "they",
        "them",
        "his",
        "her",
        "their",
        "there",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "many",
        "much",
        "not",
        "no",
        "than",
        "then",
        "so",
        "such",
        "also",
        "said",
        "says",
        "say",
        "according",
    ]
)


def light_stem_arabic(word: str) -> str:
    """Larkey's light10 on a normalized word: strip و, the article forms, then
    common suffixes, each only when enough of the word is left."""
    if len(word) > 3 and word.startswith("و"):
        word = word[1:]
    for prefix in ("وال", "بال", "كال", "فال", "لل", "ال"):
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            word = word[len(prefix) :]
            break
    for suffix in ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي"):  # ية/ة are يه/ه once normalized
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            word = word[: -len(suffix)]
    return word


@lru_cache(maxsize=2)
def _snowball(language: str):
    import Stemmer

    return Stemmer.Stemmer(language)


def _english_stemmer():
    return _snowball("english")


# Marks the second, Snowball stem of an Arabic word in the BM25 tokens.
SNOWBALL = "~"


@lru_cache(maxsize=200_000)
def snowball_arabic(word: str) -> str:
    """Snowball's Arabic stem, marked: a second conflation beside light10 (see index_tokens)."""
    return SNOWBALL + _snowball("arabic").stemWord(word)


@lru_cache(maxsize=200_000)
def stem(token: str) -> str:
    if _ARABIC.search(token):
        return light_stem_arabic(token)
    if token.isdigit():
        return token
    return _english_stemmer().stemWord(token)


def words(text: str) -> list[str]:
    """Normalized word tokens (digits unified to ASCII), stopwords included."""
    return _TOKEN.findall(normalize(text).translate(INDIC_DIGITS))


def tokenize(text: str) -> list[str]:
    """Stemmed content tokens, in both scripts (one per word)."""
    return [stem(w) for w in words(text) if w not in ARABIC_STOPWORDS and w not in ENGLISH_STOPWORDS]


def index_tokens(text: str) -> list[str]:
    """The BM25 tokens of a text: each content word's light10 stem and, for an
    Arabic word, its Snowball stem too.

    The two stemmers fail differently: light10 keeps names whole and treats
    الحاويات and حاويات alike (Snowball: حاو / حاويا); Snowball strips verb
    endings that light10 keeps (قتلوا -> قتل) and keeps the و of وصل that
    light10 takes for a conjunction (صلت). The Snowball stem is marked (~) so
    the two never collide. BM25 alone on the Arabic questions, MRR@10 on
    eval/dev.jsonl / xquad-dev's fitting half: light10 0.833 / 0.884, Snowball
    0.922 / 0.855, both 0.924 / 0.880, both unmarked 0.821 / 0.891."""
    out: list[str] = []
    for word in words(text):
        if word in ARABIC_STOPWORDS or word in ENGLISH_STOPWORDS:
            continue
        out.append(stem(word))
        if _ARABIC.search(word):
            out.append(snowball_arabic(word))
    return out


# --- names across scripts ----------------------------------------------------

# Latin letters (and digraphs) -> the Arabic letters that spell them in news
# transliteration. Vowels, w and y are dropped on both sides: Arabic writes them
# as long vowels or not at all. A "g" after "n" may be silent (Washington ->
# واشنطن) or written (Pyongyang -> بيونغ يانغ), so it is optional.
_LATIN_DIGRAPHS = {"sh": "ش", "kh": "خ", "gh": "غ", "th": "ثت", "dh": "ذد", "ph": "ف", "ch": "شتك", "ck": "ك", "zh": "ج"}
_LATIN_LETTERS = {
    "b": "ب",
    "p": "ب",
    "t": "تط",
    "d": "دض",
    "k": "ك",
    "c": "كس",
    "q": "قك",
    "g": "غج",
    "j": "ج",
    "f": "ف",
    "v": "ف",
    "s": "سص",
    "z": "زذ",
    "h": "هح",
    "l": "ل",
    "m": "م",
    "n": "ن",
    "r": "ر",
    "x": "كس",
}
_ARABIC_SILENT = set("اويىءع")
MIN_NAME_CONSONANTS = 3  # two consonants match too many unrelated words


def latin_skeleton(word: str) -> list[tuple[str, bool]]:
    """(allowed Arabic letters, optional) for each consonant of a Latin word."""
    word = word.lower()
    out: list[tuple[str, bool]] = []
    i = 0
    while i < len(word):
        pair = word[i : i + 2]
        if pair in _LATIN_DIGRAPHS:
            letters, i = _LATIN_DIGRAPHS[pair], i + 2
        else:
            letters, i = _LATIN_LETTERS.get(word[i], ""), i + 1
        if not letters or (out and out[-1][0] == letters):  # doubled consonants are one letter
            continue
        out.append((letters, word[i - 1] == "g" and i >= 2 and word[i - 2] == "n"))
    return out


def required_consonants(word: str) -> int:
    """How many consonants a Latin word must show in Arabic (a silent g does not count)."""
    return sum(1 for _, optional in latin_skeleton(word) if not optional)


def arabic_skeleton(word: str) -> str:
    """Consonants of a normalized Arabic word: long vowels, hamza, ain and a final ه (ة) dropped."""
    word = word[:-1] if word.endswith("ه") and len(word) > 2 else word
    return "".join(ch for ch in word if ch not in _ARABIC_SILENT)


def strip_clitics(word: str) -> str:
    """An Arabic word without its article or conjunction: the spelling of a name."""
    for prefix in ("وال", "بال", "كال", "فال", "لل", "ال", "و", "ب", "ل"):
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            return word[len(prefix) :]
    return word


def skeleton_matches(latin: list[tuple[str, bool]], arabic: str) -> bool:
    """True when the Arabic consonants spell the Latin ones, in order."""
    if not latin:
        return not arabic
    (letters, optional), rest = latin[0], latin[1:]
    if arabic and arabic[0] in letters and skeleton_matches(rest, arabic[1:]):
        return True
    return optional and skeleton_matches(rest, arabic)


def name_vocabulary(text: str) -> set[str]:
    """The words of a text, and its adjacent Arabic word pairs: names such as
    بيونغ يانغ are two words."""
    surface = words(text)
    pairs = {f"{a} {b}" for a, b in zip(surface, surface[1:]) if _ARABIC.search(a + b) and a not in ARABIC_STOPWORDS and b not in ARABIC_STOPWORDS}
    return set(surface) | pairs


@dataclass
class NameLexicon:
    """Arabic spellings of the corpus's words and two-word names, by consonant skeleton."""

    skeletons: dict[str, set[str]]

    @classmethod
    def from_vocabulary(cls, vocabulary: set[str]) -> NameLexicon:
        skeletons: dict[str, set[str]] = {}
        for word in vocabulary:
            if not _ARABIC.search(word) or word in ARABIC_STOPWORDS:
                continue
            for base in {word, strip_clitics(word)}:  # بيونغ is a name, not ب + يونغ
                skeleton = arabic_skeleton(base.replace(" ", ""))
                if len(skeleton) >= MIN_NAME_CONSONANTS:
                    skeletons.setdefault(skeleton, set()).add(base)
        return cls(skeletons)

    def transliterations(self, latin_word: str) -> set[str]:
        """Arabic spellings in the corpus whose consonants match the Latin word's."""
        latin = latin_skeleton(latin_word)
        required = required_consonants(latin_word)
        if required < MIN_NAME_CONSONANTS:
            return set()
        found: set[str] = set()
        for skeleton, spellings in self.skeletons.items():
            if required <= len(skeleton) <= len(latin) and skeleton_matches(latin, skeleton):
                found |= spellings
        return found


def name_candidates(question: str) -> list[str]:
    """Latin words of a question that may be names: the capitalized ones (not the
    first word) when the writer capitalizes, otherwise every content word."""
    latin = [w for w in re.findall(r"[A-Za-z][A-Za-z'-]*", question) if len(w) >= 4]
    capitalized = [w for i, w in enumerate(latin) if w[0].isupper() and (i > 0 or not question.lstrip().startswith(w))]
    chosen = capitalized if capitalized else latin
    return [w.lower() for w in chosen if w.lower() not in ENGLISH_STOPWORDS]


def cross_lingual_tokens(question: str, lexicon: NameLexicon) -> list[str]:
    """Stemmed Arabic tokens for the Latin names of an English question."""
    tokens: list[str] = []
    for word in name_candidates(question):
        for spelling in sorted(lexicon.transliterations(word)):
            tokens.extend(stem(part) for part in spelling.split())
    return tokens


# --- the BM25 index ------------------------------------------------------------


class LexicalIndex:
    """BM25 (bm25s) over chunk tokens, persisted beside the Chroma index.

    The token lists are stored per chunk (corpus.jsonl) so an incremental
    rebuild re-tokenizes only the files that changed; the BM25 matrix itself is
    recomputed from all token lists, since document frequencies are global.
    """

    def __init__(self, ids: list[str], tokens: list[list[str]], surface: set[str]):
        import bm25s

        self.ids = ids
        self._bm25 = bm25s.BM25()
        if ids:
            self._bm25.index(tokens, show_progress=False)
        self.vocab = self._bm25.vocab_dict if ids else {}
        self.df = Counter(t for row in tokens for t in set(row))
        self.names = NameLexicon.from_vocabulary(surface)
        # Each passage's tokens as a set, for near-duplicate detection.
        self.token_sets = {i: set(row) for i, row in zip(ids, tokens)}

    @classmethod
    def build(cls, rows: list[dict]) -> LexicalIndex:
        """rows: {"id", "doc_id", "tokens", "words"} per chunk."""
        surface: set[str] = set()
        for row in rows:
            surface.update(row["words"])
        return cls([r["id"] for r in rows], [r["tokens"] for r in rows], surface)

    @staticmethod
    def row(chunk_id: str, doc_id: str, text: str) -> dict:
        return {"id": chunk_id, "doc_id": doc_id, "tokens": index_tokens(text), "words": sorted(name_vocabulary(text))}

    @staticmethod
    def save(folder: Path, rows: list[dict]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "corpus.jsonl", "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    @staticmethod
    def load_rows(folder: Path) -> list[dict]:
        path = folder / "corpus.jsonl"
        if not path.exists():
            return []
        with open(path, encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]

    def query_tokens(self, question: str, names: bool = False) -> list[str]:
        """BM25 tokens of a question, adapted to this corpus.

        light10 keeps one-letter clitics (بـ لـ كـ فـ) because stripping them
        blindly breaks words; a question word whose stem the corpus lacks is
        tried without its first letter. With `names`, the Arabic spellings of
        the question's Latin names are added when they are rare enough to point
        at a passage (a common word like أوكرانيا would only add noise).
        """
        tokens = []
        for word in words(question):
            if word in ARABIC_STOPWORDS or word in ENGLISH_STOPWORDS:
                continue
            token = stem(word)
            if token not in self.vocab and len(word) > 4 and word[0] in "بلكف" and _ARABIC.search(word):
                bare = stem(word[1:])
                token = bare if bare in self.vocab else token
            tokens.append(token)
            if _ARABIC.search(word):
                tokens.append(snowball_arabic(word))
        if names:
            rare = max(2, int(0.1 * len(self.ids)))
            tokens += [t for t in cross_lingual_tokens(question, self.names) if self.df.get(t, 0) <= rare]
        return tokens

    def search(self, query_tokens: list[str], k: int, allowed: Collection[str] | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) best first; only chunks that share a token, and
        with `allowed`, only those chunks (a filter by outlet or date)."""
        known = [t for t in dict.fromkeys(query_tokens) if t in self.vocab]
        if not known or not self.ids:
            return []
        scores = self._bm25.get_scores(known)
        if allowed is not None:
            scores = np.where(np.fromiter((i in allowed for i in self.ids), bool, len(self.ids)), scores, 0.0)
        order = scores.argsort()[::-1][:k]
        return [(self.ids[i], float(scores[i])) for i in order if scores[i] > 0]
