"""The answer inside a verified sentence (pure functions): the number or the
date a question asks for, as offsets into the sentence, for the reader's eye.

The verified answer is a whole sentence from an article; when the question
asks "how many" or "when", the words that answer it are shown in bold, in the
Arabic original and in its English translation alike. Only numbers and dates
are marked: they can be found by their form in both languages, where a name or
a place would need a tagger this project does not ship; the sentence is shown
either way.
"""

from __future__ import annotations

import re

from rag.answer.guard import NUMBER_WORDS
from rag.core.text import normalize
from rag.index.lexical import INDIC_DIGITS
from rag.search.questions import answer_kind

_DIGITS = r"[0-9٠-٩۰-۹]+(?:[.,،٫][0-9٠-٩۰-۹]+)*"
# Units said after a number; an Arabic one may carry tanween (كيلومتراً).
_UNIT = r"(?:كيلومترا?ت?|كلم|مترا?|أمتار|دولارا?ت?|يورو)[\u064b-\u0652]*|km|kilometres|kilometers|metres|meters|dollars|euros"
_SCALE = (
    r"(?:\s+(?:مليون|ملايين|مليار|مليارات|ألف|الف|آلاف|الاف|million|billion|thousand|hundred))?"
    rf"(?:\s*(?:%|٪|percent|بالمئة|بالمائة|في المئة|في المائة)|\s+(?:{_UNIT}))?"
)
_NUMBER_WORD = (
    r"(?:ألف|الف|ألفين|ألفا|مليون|مليونين|مليار|مئة|مائة|مئتين|اثنان|اثنين|ثلاثة|ثلاث|أربعة|أربع|خمسة|خمس|ستة|ست|سبعة|سبع|ثمانية|ثماني|تسعة|تسع|عشرة|عشر"
    r"|نصف|ثلث|ثلثي|ثلثا|ربع"
    r"|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|hundred|thousand|million|billion|half|a third|a quarter)"
)
# Not the digits of a citation marker ("[1]").
NUMBER = re.compile(rf"(?<![\w.,،٫\[])(?:{_DIGITS}{_SCALE}|{_NUMBER_WORD}(?:\s+(?:و?نصف|and a half))?{_SCALE})(?![\w\]])", re.I)

_MONTHS_EN = r"January|February|March|April|May|June|July|August|September|October|November|December|Jan\.?|Feb\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?"
_MONTHS_AR = (
    r"يناير|فبراير|مارس|أبريل|ابريل|إبريل|مايو|يونيو|يونيه|يوليو|يوليه|أغسطس|اغسطس|سبتمبر|أكتوبر|اكتوبر|نوفمبر|ديسمبر"
    r"|كانون الثاني|شباط|آذار|نيسان|أيار|حزيران|تموز|آب|أيلول|تشرين الأول|تشرين الثاني|كانون الأول"
)
_DAYS = r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|الإثنين|الاثنين|الثلاثاء|الأربعاء|الاربعاء|الخميس|الجمعة|السبت|الأحد|الاحد"
_YEAR = r"[12][0-9]{3}|[١٢][٠-٩]{3}"
_DAY_NUMBER = r"[0-9٠-٩]{1,2}"
_WEEKDAY = rf"(?:يوم\s+)?(?:{_DAYS})"
_CALENDAR = (
    rf"(?:(?:{_DAY_NUMBER})\s+)?(?:{_MONTHS_EN}|{_MONTHS_AR})(?:\s+(?:{_DAY_NUMBER}),?)?(?:\s+(?:من\s+)?(?:عام\s+|سنة\s+)?(?:{_YEAR}))?"
    rf"|(?:(?:أوائل|أواخر|منتصف|مطلع|نهاية|بداية|early|late|mid-?)\s+)?(?:(?:عام|سنة|العام)\s+)?(?:{_YEAR})(?:s|ات)?"
)
DATE = re.compile(rf"(?<!\w)(?:(?:{_WEEKDAY}),?\s+)?(?:{_CALENDAR})(?!\w)|(?<!\w){_WEEKDAY}(?!\w)", re.I)

# The kind of answer (questions.answer_kind) whose words this module can find.
# A "when" answered by no calendar date is often a number ("11,600 BP", "3 hours").
PATTERNS = {"a number": (NUMBER,), "a length of time or a date": (DATE, NUMBER)}


def candidates(sentence: str, question: str) -> list[tuple[int, int]]:
    """Offsets of every number or date in `sentence` of the kind `question`
    asks for that the question does not already state ("how many in 2023?"
    is not answered by "2023"); [] when it asks for something else."""
    asked = _comparable(question)
    # A year is a date, not a count: "how many were killed in 2023?" is not answered by 2023.
    dates = [m.span() for m in DATE.finditer(sentence)]
    for pattern in PATTERNS.get(answer_kind(question), ()):
        found = [
            m.span()
            for m in pattern.finditer(sentence)
            if not re.search(rf"(?<!\w){re.escape(_comparable(m.group()))}(?!\w)", asked)
            and (pattern is DATE or not any(a <= m.start() and m.end() <= b for a, b in dates))
        ]
        if found:
            return found
    return []


def answer_span(sentence: str, question: str) -> tuple[int, int] | None:
    """The one candidate (above) that answers `question`, or None when there
    is none or several: nothing then tells which one answers, so none is
    marked and the sentence speaks. (Taking the first of several picked the
    wrong number for 7 of the 40 English questions of
    xquad-dev/answers_sample.jsonl: census sentences list many.)"""
    found = candidates(sentence, question)
    return found[0] if len(found) == 1 else None


def _comparable(text: str) -> str:
    return normalize(text).translate(INDIC_DIGITS)


def bold_span(text: str, span: tuple[int, int] | None, mark: tuple[str, str] = ("**", "**")) -> str:
    """The text with its span wrapped in `mark` (plain text when there is none)."""
    if not span:
        return text
    start, end = span
    return text[:start] + mark[0] + text[start:end] + mark[1] + text[end:]


# Arabic words of numbers and dates, in English ("" drops the word); a span
# with any other word is not rendered: it would need a translator.
_SCALES = {"مليون": "million", "ملايين": "million", "مليار": "billion", "مليارات": "billion", "ألف": "thousand", "آلاف": "thousand"}
_WORDS = {
    **_SCALES,
    **{w: "%" for w in ("٪", "بالمئة", "بالمائة", "المئة", "المائة")},
    "يناير": "January",
    "فبراير": "February",
    "مارس": "March",
    "أبريل": "April",
    "إبريل": "April",
    "مايو": "May",
    "يونيو": "June",
    "يونيه": "June",
    "يوليو": "July",
    "يوليه": "July",
    "أغسطس": "August",
    "سبتمبر": "September",
    "أكتوبر": "October",
    "نوفمبر": "November",
    "ديسمبر": "December",
    "كانون الثاني": "January",
    "شباط": "February",
    "آذار": "March",
    "نيسان": "April",
    "أيار": "May",
    "حزيران": "June",
    "تموز": "July",
    "آب": "August",
    "أيلول": "September",
    "تشرين الأول": "October",
    "تشرين الثاني": "November",
    "كانون الأول": "December",
    "الإثنين": "Monday",
    "الاثنين": "Monday",
    "الثلاثاء": "Tuesday",
    "الأربعاء": "Wednesday",
    "الخميس": "Thursday",
    "الجمعة": "Friday",
    "السبت": "Saturday",
    "الأحد": "Sunday",
    "أوائل": "early",
    "مطلع": "early",
    "بداية": "early",
    "أواخر": "late",
    "نهاية": "late",
    "منتصف": "mid",
    "ونصف": "and a half",
    "نصف": "half",
    "ثلث": "a third",
    "ثلثي": "two thirds",
    "ثلثا": "two thirds",
    "ربع": "a quarter",
    **{w: "km" for w in ("كيلومتر", "كيلومترا", "كيلومترات", "كلم")},
    **{w: "metres" for w in ("متر", "مترا", "أمتار")},
    **{w: "dollars" for w in ("دولار", "دولارا", "دولارات")},
    "يورو": "euros",
    **{w: "" for w in ("عام", "سنة", "العام", "يوم", "من", "في")},
}
_ENGLISH = {normalize(k): v for k, v in _WORDS.items()}
_ENGLISH_SCALES = {normalize(k) for k in _SCALES}


def english_span(span: str) -> str:
    """A number or date span in English, word by word ("2,5 مليون" -> "2,5
    million", "أوائل عام 2020" -> "early 2020", "ألف" -> "1,000"); "" when a
    word has no fixed English form."""
    text = normalize(span).translate(INDIC_DIGITS).replace("،", ",").replace("٫", ".")
    for arabic in sorted((k for k in _ENGLISH if " " in k), key=len, reverse=True):
        text = text.replace(arabic, _ENGLISH[arabic].lower())
    out: list[str] = []
    for word in text.split():
        after_number = bool(out) and out[-1][:1].isdigit()
        word = re.sub(r"^([0-9]+),([0-9]{1,2})(?![0-9])", r"\1.\2", word)  # the Arabic decimal comma: 2,5
        if re.fullmatch(r"[0-9][0-9.,]*%?|[a-z%-]+", word):
            out.append(word.capitalize() if word.isalpha() and word in _CAPITALIZED else word)
        elif word in _ENGLISH_SCALES and after_number:
            out.append(_ENGLISH[word])
        elif word in NUMBER_WORDS:
            out.append(_number(NUMBER_WORDS[word]))
        elif word in _ENGLISH:
            out.append(_ENGLISH[word])
        else:
            return ""
    return " ".join(w for w in out if w).replace(" %", "%")


def _number(value: float) -> str:
    if value >= 1e9:
        return f"{value / 1e9:g} billion"
    return f"{value / 1e6:g} million" if value >= 1e6 else f"{value:,.0f}"


_CAPITALIZED = {v.lower() for v in _WORDS.values() if v[:1].isupper()}
