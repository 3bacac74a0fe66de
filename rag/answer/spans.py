"""The answer inside a verified sentence, for the reader's eye (pure functions).

The verified answer is a whole sentence from an article; when the question
asks "how many" or "when", the number or date that answers it
(rag.search.kinds) is shown in bold, in the Arabic original and in its English
translation alike, said in English word by word here.
"""

from __future__ import annotations

import re

from rag.answer.guard import NUMBER_WORDS, western_separators
from rag.core.text import normalize
from rag.index.lexical import INDIC_DIGITS
from rag.search.kinds import QUALIFIERS


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
    "جانفي": "January",
    "فيفري": "February",
    "أفريل": "April",
    "افريل": "April",
    "ماي": "May",
    "جوان": "June",
    "جويلية": "July",
    "أوت": "August",
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
    **QUALIFIERS,  # how exact the number is
}
# Units of time and "times" after a number ("ست سنوات" -> "6 years"); before
# one, عام and سنة only say that a year follows ("عام 2020" -> "2020").
_AFTER_NUMBER = {
    **{w: "years" for w in ("سنوات", "سنة", "عام", "عاما", "أعوام")},
    **{w: "months" for w in ("شهر", "شهرا", "أشهر", "شهور")},
    **{w: "weeks" for w in ("أسبوع", "أسبوعا", "أسابيع")},
    **{w: "days" for w in ("يوم", "يوما", "أيام")},
    **{w: "hours" for w in ("ساعة", "ساعات")},
    **{w: "minutes" for w in ("دقيقة", "دقائق")},
    **{w: "times" for w in ("أضعاف", "ضعف", "ضعفا")},
}
_ENGLISH = {normalize(k): v for k, v in _WORDS.items()}
_ENGLISH_SCALES = {normalize(k) for k in _SCALES}
_ENGLISH_AFTER_NUMBER = {normalize(k): v for k, v in _AFTER_NUMBER.items()}
# A unit follows a number, or a number said with its scale ("3 آلاف عام" -> "3 thousand years").
_AFTER_SCALE = {*_SCALES.values(), "half"}
# A month's two names ("تموز/يوليو", "كانون الثاني/يناير") are one month: the first is dropped.
_MONTH_PAIR = re.compile(r"(\S+)\s*/\s*(?=\S)")


def english_span(span: str) -> str:
    """A number or date span in English, word by word ("2,5 مليون" -> "2,5
    million", "أوائل عام 2020" -> "early 2020", "ألف" -> "1,000"); "" when a
    word has no fixed English form."""
    text = western_separators(normalize(span).translate(INDIC_DIGITS))
    text = re.sub(r"([^\W\d_])([0-9])", r"\1 \2", text)  # a year glued to its month: "يوليو1961"
    for arabic in sorted((k for k in _ENGLISH if " " in k), key=len, reverse=True):
        text = text.replace(arabic, _ENGLISH[arabic].lower())
    text = _MONTH_PAIR.sub(lambda m: "" if m.group(1) in _ENGLISH or m.group(1) in _CAPITALIZED else m.group(0), text)
    out: list[str] = []
    for word in text.split():
        after_number = bool(out) and (out[-1][:1].isdigit() or out[-1] in _AFTER_SCALE)
        word = re.sub(r"^([0-9]+),([0-9]{1,2})(?![0-9])", r"\1.\2", word)  # the Arabic decimal comma: 2,5
        if re.fullmatch(r"[0-9][0-9.,]*%?|[a-z%-]+", word):
            out.append(word.capitalize() if word.isalpha() and word in _CAPITALIZED else word)
        elif word in _ENGLISH_SCALES and after_number:
            out.append(_ENGLISH[word])
        elif word in _ENGLISH_AFTER_NUMBER and after_number:
            out.append(_ENGLISH_AFTER_NUMBER[word])
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
