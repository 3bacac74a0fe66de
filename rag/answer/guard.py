"""The text checks behind rag.answer.check: markers, numbers, names, quotes, injected instructions (pure functions).

Small models drop citations, cite the wrong passage, move a number from one
passage to another and answer unanswerable questions with a nearby number;
prompts alone do not stop them. So every generated answer is checked in code:
its [n] markers must point at passages, and the numbers and names it states
must occur in the passages it cites.
"""

from __future__ import annotations

import re

from rag.core.text import detect_language, normalize
from rag.index.lexical import INDIC_DIGITS, MIN_NAME_CONSONANTS, NameLexicon, arabic_skeleton, name_vocabulary, required_consonants, tokenize, words

# [1], [1, 2], [١], [1][2], 【1】
MARKER = re.compile(r"[\[【]\s*([0-9٠-٩۰-۹]+(?:\s*[,،;]\s*[0-9٠-٩۰-۹]+)*)\s*[\]】]")


def cited_numbers(text: str) -> list[int]:
    """Passage numbers cited in text, in order of first appearance."""
    found: list[int] = []
    for match in MARKER.finditer(text):
        found += [n for n in marker_numbers(match) if n not in found]
    return found


def marker_numbers(match: re.Match) -> list[int]:
    """The passage numbers in one MARKER match: "[1, ٢]" -> [1, 2]."""
    return [int(part.strip().translate(INDIC_DIGITS)) for part in re.split(r"[,،;]", match.group(1))]


def clean_markers(text: str, valid: set[int]) -> str:
    """Rewrite markers as [n] with ASCII digits, dropping numbers outside `valid`."""

    def fix(match: re.Match) -> str:
        kept = [n for n in marker_numbers(match) if n in valid]
        return "".join(f"[{n}]" for n in kept)

    text = MARKER.sub(fix, text)
    return re.sub(r"[ \t]+([.,،؛!?؟])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()


def strip_markers(text: str) -> str:
    return MARKER.sub(" ", text)


# --- numbers ---------------------------------------------------------------------

_SCALES = {
    "الف": 1e3,
    "الاف": 1e3,
    "آلاف": 1e3,
    "thousand": 1e3,
    "thousands": 1e3,
    "مليون": 1e6,
    "ملايين": 1e6,
    "million": 1e6,
    "millions": 1e6,
    "مليار": 1e9,
    "مليارات": 1e9,
    "billion": 1e9,
    "billions": 1e9,
    "مئه": 1e2,
    "مايه": 1e2,
    "hundred": 1e2,
}
NUMBER_WORDS = {
    "الف": 1e3,
    "الفين": 2e3,
    "الفان": 2e3,
    "مليون": 1e6,
    "مليونين": 2e6,
    "مليونان": 2e6,
    "مليار": 1e9,
    "مئه": 100,
    "مايه": 100,
    "مئتين": 200,
    "مايتين": 200,
    "اثنان": 2,
    "اثنين": 2,
    "ثلاث": 3,
    "ثلاثه": 3,
    "اربع": 4,
    "اربعه": 4,
    "خمس": 5,
    "خمسه": 5,
    "ست": 6,
    "سته": 6,
    "سبع": 7,
    "سبعه": 7,
    "ثماني": 8,
    "ثمانيه": 8,
    "تسع": 9,
    "تسعه": 9,
    "عشر": 10,
    "عشره": 10,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "hundred": 100,
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "dozen": 12,
}
# "one" and "واحد" are left out: Arabic says "one hour" with the bare noun
# ("ساعة"), so an English "about one hour" would look like a number the
# passage never states.
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _parse(token: str) -> float:
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", token):  # 1,000 / 2,500,000
        return float(token.replace(",", ""))
    return float(token.replace(",", "."))  # 2.5 and the Arabic-style decimal 2,5


def _unit(value: float) -> float:
    return next((u for u in (1e9, 1e6, 1e3, 1e2) if value >= u), 1.0)


def western_separators(text: str) -> str:
    """Arabic separators between digits as the Latin ones: "11،600" and
    "11٬600" (thousands) are 11,600 and "2٫5" is 2.5, as a translation writes them."""
    return re.sub(r"(?<=\d)٫(?=\d)", ".", re.sub(r"(?<=\d)[،٬](?=\d)", ",", text))


def numbers_in(text: str) -> set[float]:
    """Every number a text states, as digits or words, with scale words applied:
    "2,5 مليون" gives {2.5, 2500000}; "ألف" gives {1000}; "1,000" gives {1000}."""
    tokens = re.findall(r"\d+(?:[.,]\d+)*|[^\W\d_]+", western_separators(normalize(text).translate(INDIC_DIGITS)))
    found: set[float] = set()
    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if _NUMBER.fullmatch(token):
            value = _parse(token)
            found.add(value)
            if following in _SCALES:
                found.add(value * _SCALES[following])
        elif token in NUMBER_WORDS and not (i and _NUMBER.fullmatch(tokens[i - 1])):
            value = NUMBER_WORDS[token]
            if following == "ونصف":  # مليونين ونصف: two and a half million
                value += 0.5 * _unit(value)
            found.add(value)
    return found


def unsupported_numbers(answer: str, evidence: str) -> set[float]:
    """Numbers of the answer (markers removed) that the evidence never states."""
    stated = numbers_in(evidence)
    missing = set()
    for value in numbers_in(strip_markers(answer)):
        if value not in stated and not any(abs(value - s) < 1e-9 * max(1, s) for s in stated):
            missing.add(value)
    # A scaled form in the answer ("2.5 million") is supported by its bare form too.
    return {v for v in missing if not any(v == s * k for s in stated for k in (1e3, 1e6, 1e9))}


# --- names -----------------------------------------------------------------------

# English names of places and bodies that Arabic translates rather than transliterates.
GAZETTEER = {
    "america": ["امريكا", "اميركا", "الولايات المتحده"],
    "american": ["امريكي", "اميركي", "الامريكي", "الاميركي"],
    "us": ["الولايات المتحده", "امريكا", "اميركا", "الامريكي", "الاميركي", "واشنطن"],
    "usa": ["الولايات المتحده"],
    "united": ["المتحده"],
    "states": ["الولايات"],
    "nations": ["الامم"],
    "britain": ["بريطانيا"],
    "british": ["بريطاني"],
    "uk": ["بريطانيا", "المملكه المتحده"],
    "japan": ["اليابان"],
    "japanese": ["ياباني"],
    "china": ["الصين"],
    "chinese": ["صيني"],
    "russia": ["روسيا", "موسكو"],
    "russian": ["روسي", "الروسي", "روسيا"],
    "moscow": ["موسكو"],
    "ukraine": ["اوكرانيا"],
    "ukrainian": ["اوكراني"],
    "kyiv": ["كييف"],
    "kiev": ["كييف"],
    "korea": ["كوريا"],
    "korean": ["كوري"],
    "north": ["الشماليه", "الشمالي"],
    "south": ["الجنوبيه", "الجنوبي"],
    "pyongyang": ["بيونغ يانغ", "بيونج يانج"],
    "washington": ["واشنطن"],
    "white": ["الابيض"],
    "house": ["البيت"],
    "un": ["الامم المتحده"],
    "security": ["الامن"],
    "council": ["مجلس"],
    "france": ["فرنسا"],
    "germany": ["المانيا"],
    "israel": ["اسرائيل"],
    "iran": ["ايران"],
    "iraq": ["العراق"],
    "saudi": ["السعوديه"],
    "europe": ["اوروبا"],
    "nato": ["الاطلسي", "الناتو"],
    "soviet": ["السوفياتيه", "السوفييتي", "السوفيتي"],
    "east": ["الشرق"],
    "west": ["الغرب"],
}
_COMMON_CAPITALIZED = frozenset(
    [
        "the",
        "a",
        "an",
        "according",
        "in",
        "on",
        "at",
        "as",
        "he",
        "she",
        "it",
        "they",
        "this",
        "that",
        "these",
        "those",
        "his",
        "her",
        "their",
        "there",
        "its",
        "we",
        "our",
        "yes",
        "no",
        "however",
        "also",
        "and",
        "but",
        "or",
        "if",
        "when",
        "while",
        "after",
        "before",
        "during",
        "since",
        "until",
        "by",
        "for",
        "from",
        "with",
        "about",
        "of",
        "to",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "president",
        "minister",
        "spokesman",
        "spokeswoman",
        "leader",
    ]
)


def latin_names(answer: str) -> list[str]:
    """Capitalized Latin words of an answer that may be names (lower case)."""
    names = []
    for word in re.findall(r"\b[A-Z][A-Za-z'-]+", strip_markers(answer)):
        low = word.lower().rstrip("'s")
        if low not in _COMMON_CAPITALIZED and low not in names:
            names.append(low)
    return names


def unsupported_names(answer: str, evidence: str, question: str) -> list[str]:
    """Latin names in the answer found neither in the question nor, in either
    script, in the evidence."""
    evidence_norm = normalize(evidence)
    question_words = set(words(question))
    lexicon = NameLexicon.from_vocabulary(name_vocabulary(evidence))
    missing = []
    for name in latin_names(answer):
        if name in question_words or name in evidence_norm:
            continue
        if any(form in evidence_norm for form in GAZETTEER.get(name, [])):
            continue
        if required_consonants(name) < MIN_NAME_CONSONANTS or lexicon.transliterations(name):
            continue  # too short to check by its consonants ("Kim", "Un"), or found
        missing.append(name)
    return missing


def unsupported_words(answer: str, evidence: str, question: str, max_share: float = 0.3) -> list[str]:
    """Content words the answer adds (beyond the question) that the evidence lacks,
    when more than `max_share` of them are missing. Only words in the evidence's
    script are compared: a translation shares no words with its source."""
    script = detect_language(evidence)
    same_script = [t for t in tokenize(strip_markers(answer)) if detect_language(t) == script and not t.isdigit()]
    new = [t for t in dict.fromkeys(same_script) if t not in set(tokenize(question)) and len(t) >= 3]
    present = set(tokenize(evidence))
    # Arabic spellings of one foreign name differ in long vowels (ديمتري / ديميتري):
    # words match by consonant skeleton too, when it is long enough to tell words apart.
    skeletons = {_skeleton(t) for t in present}
    missing = [t for t in new if t not in present and _skeleton(t) not in skeletons]
    return missing if new and len(missing) / len(new) > max_share else []


def _skeleton(token: str) -> str:
    bare = arabic_skeleton(token)
    return bare if len(bare) >= MIN_NAME_CONSONANTS else token


# "…", “…”, «…» and „…“; single quotes are left out, they are apostrophes too.
_QUOTED = re.compile(r'"([^"]+)"|“([^”]+)”|«([^»]+)»|„([^“”]+)[“”]')


def unquoted(answer: str, evidence: str) -> list[str]:
    """Quotations in the answer that the evidence does not hold word for word.
    A quotation in another script than the evidence is a model's translation
    presented as someone's words, which nothing can verify ("top priority"
    came back as "the first of its kind"): it is refused too."""
    held = _bare(evidence)
    found = [next(g for g in m.groups() if g is not None) for m in _QUOTED.finditer(strip_markers(answer))]
    return [q.strip() for q in found if has_words(q) and _bare(q) not in held]


def has_words(text: str) -> bool:
    return bool(words(text))


def _bare(text: str) -> str:
    """Words only, normalized: quotes may differ from the passage in punctuation."""
    return " " + " ".join(words(text)) + " "


def repeats_itself(answer: str, n: int = 3, times: int = 3) -> bool:
    """True when some run of `n` words comes back `times` times or more: a small
    model stuck in a loop ("Britain, Japan and Korea, Britain, Japan and ...")."""
    tokens = words(strip_markers(answer))
    grams = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return any(grams.count(g) >= times for g in set(grams))


# Text in an article that addresses an AI assistant rather than a reader.
_INJECTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|prompts?|rules)\b|\b(system prompt|you are now|as an ai|language model)\b"
    r"|(تجاهل|انس|إنس)\S*.{0,40}(التعليمات|الأوامر|التوجيهات)|(التعليمات|الأوامر) السابقة",
    re.I,
)


def looks_like_injection(sentence: str) -> bool:
    """True for a sentence that gives orders to an AI ("ignore previous instructions").
    Such sentences are never shown to the model: articles are data, not instructions."""
    return bool(_INJECTION.search(sentence))
