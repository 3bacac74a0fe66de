"""What in a sentence answers the kind of question asked (pure functions):
the numbers and dates it holds, as offsets, when the question asks "how many"
or "when" (questions.answer_kind).

Sentence ranking counts a sentence that holds one as more likely to answer
(config.SentenceWeights.kind); the answer marks the one that does in bold
(rag.answer.spans). Only numbers and dates are found: they have a form of their
own in both languages, where a name or a place would need a tagger this project
does not ship.
"""

from __future__ import annotations

import re

from rag.core.text import normalize
from rag.index.lexical import INDIC_DIGITS
from rag.search.questions import answer_kind

_DIGITS = r"[0-9٠-٩۰-۹]+(?:[.,،٫][0-9٠-٩۰-۹]+)*"
# Units said after a number; an Arabic one may carry tanween (كيلومتراً).
_UNIT = (
    r"(?:كيلومترا?ت?|كلم|مترا?|أمتار|دولارا?ت?|يورو|أضعاف|ضعفا?"
    # Lengths of time: "ست سنوات", "1500 عام" (a year is a date only before the number: "عام 2020").
    r"|سنوات|سنة|عاما?|أعوام|شهرا?|أشهر|شهور|أسابيع|أسبوعا?|يوما?|أيام|ساعات|ساعة|دقائق|دقيقة)[\u064b-\u0652]*"
    r"|km|kilometres|kilometers|metres|meters|dollars|euros|times|years?|months?|weeks?|days?|hours?|minutes?"
)
# Words that say how exact a number is, kept with it ("أكثر من ألف حاوية" is more
# than 1,000), and how rag.answer.spans says them in English.
QUALIFIERS = {
    **{w: "more than" for w in ("أكثر من", "اكثر من", "أزيد من", "ما يزيد عن", "ما يزيد على", "ما يربو على", "ما يربو عن")},
    **{w: "less than" for w in ("أقل من", "اقل من")},
    **{w: "about" for w in ("حوالي", "حوالى", "نحو", "قرابة", "زهاء", "ما يقارب", "تقريبا")},
    **{w: w for w in ("more than", "over", "fewer than", "less than", "about", "around", "nearly", "almost", "approximately")},
}
_MODIFIER = "|".join(w.replace(" ", r"\s+") for w in sorted(QUALIFIERS, key=len, reverse=True))
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
NUMBER = re.compile(rf"(?<![\w.,،٫\[])(?:(?:{_MODIFIER})\s+)?(?:{_DIGITS}{_SCALE}|{_NUMBER_WORD}(?:\s+(?:و?نصف|and a half))?{_SCALE})(?![\w\]])", re.I)
_LEADING_MODIFIER = re.compile(rf"^(?:{_MODIFIER})\s+", re.I)

_MONTHS_EN = r"January|February|March|April|May|June|July|August|September|October|November|December|Jan\.?|Feb\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?"
_MONTH_AR = (
    r"يناير|فبراير|مارس|أبريل|ابريل|إبريل|مايو|يونيو|يونيه|يوليو|يوليه|أغسطس|اغسطس|سبتمبر|أكتوبر|اكتوبر|نوفمبر|ديسمبر"
    r"|كانون الثاني|شباط|آذار|نيسان|أيار|حزيران|تموز|آب|أيلول|تشرين الأول|تشرين الثاني|كانون الأول"
    # The Maghreb's names (French): جانفي, فيفري, أفريل, ماي, جوان, جويلية, أوت.
    r"|جانفي|فيفري|أفريل|افريل|ماي|جوان|جويلية|أوت"
)
# Arab outlets often give a month's two names: "تموز/يوليو".
_MONTHS_AR = rf"(?:{_MONTH_AR})(?:\s*/\s*(?:{_MONTH_AR}))?"
_DAYS = r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|الإثنين|الاثنين|الثلاثاء|الأربعاء|الاربعاء|الخميس|الجمعة|السبت|الأحد|الاحد"
_YEAR = r"[12][0-9]{3}|[١٢][٠-٩]{3}"
_DAY_NUMBER = r"[0-9٠-٩]{1,2}"
_WEEKDAY = rf"(?:يوم\s+)?(?:{_DAYS})"
_CALENDAR = (
    rf"(?:(?:{_DAY_NUMBER})\s+)?(?:{_MONTHS_EN}|{_MONTHS_AR})(?:\s+(?:{_DAY_NUMBER}),?)?(?:\s*(?:من\s+)?(?:عام\s+|سنة\s+)?(?:{_YEAR}))?"
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
    # A year is a date, not a count: "how many were killed in 2023?" is not answered
    # by 2023; but "1980 ships" is a count that looks like a year.
    dates = [m.span() for m in DATE.finditer(sentence) if not _counted(sentence, m)]
    for pattern in PATTERNS.get(answer_kind(question), ()):
        found = [
            m.span()
            for m in pattern.finditer(sentence)
            if not re.search(rf"(?<!\w){re.escape(_comparable(_LEADING_MODIFIER.sub('', m.group())))}(?!\w)", asked)
            and (m.span() in dates if pattern is DATE else not any(a <= m.start() and m.end() <= b for a, b in dates))
        ]
        if found:
            return found
    return []


# Words after which a bare year is a date: "in 2023", "منذ 2011", "وفي 2023".
_BEFORE_YEAR = re.compile(
    r"(?:in|since|by|until|till|from|to|of|during|before|after|around|circa|year|[وف]?(?:في|منذ|حتى|قبل|بعد|خلال|عام|سنة|العام|من|إلى|الى))$", re.I
)


def _counted(sentence: str, match: re.Match) -> bool:
    """A bare year-shaped number that counts something: a word before it that
    does not lead to a date, and a word after it ("استقبل الميناء 1980 سفينة")."""
    if not match.group().isdigit():
        return False
    before = sentence[: match.start()].split()
    after = sentence[match.end() :].split()
    return bool(before) and not _BEFORE_YEAR.search(before[-1]) and bool(after) and after[0][0].isalpha()


def answer_span(sentence: str, question: str) -> tuple[int, int] | None:
    """The one candidate (above) that answers `question`, or None when there
    is none or several: nothing then tells which one answers, so none is
    marked and the sentence speaks. (Taking the first of several picked the
    wrong number for 7 of the 40 English questions of
    xquad-dev/answers_sample.jsonl: census sentences list many.)"""
    found = candidates(sentence, question)
    # The same words twice ("سنة 1997 ... سنة 1997") are one answer.
    return found[0] if len({_comparable(sentence[a:b]) for a, b in found}) == 1 else None


def _comparable(text: str) -> str:
    return normalize(text).translate(INDIC_DIGITS)
