"""What a question asks (pure functions): a follow-up to the previous question,
the kind of answer it wants, or nothing (a greeting, thanks).

Both feed the answer pipeline: a follow-up is joined to the question before it
for retrieval, and the kind of answer is named in the prompt, because a small
model told "the question asks for a number: give it first" states the number
instead of restating the question around it.
"""

from __future__ import annotations

import re

from rag.core.text import detect_language, normalize

# Personal pronouns point back; "this year" or "هذا العام" do not, so demonstratives are left out.
_FOLLOW_UP_EN = re.compile(r"^(and|but|also|so|then|what about|how about)\b|\b(it|its|they|them|their|he|him|his|she|her)\b", re.I)
_FOLLOW_UP_AR = re.compile(r"^(و|ف)|^(ماذا عن|ما عن)|(^|\s)(عنه|عنها|عنهم|منه|منها)(\s|[؟?]|$)")


def is_follow_up(question: str) -> bool:
    """A question that leans on the one before: short, opening with "and", or
    pointing back with a pronoun."""
    text = question.strip()
    pattern = _FOLLOW_UP_AR if detect_language(text) == "ar" else _FOLLOW_UP_EN
    return len(text.split()) <= 4 or bool(pattern.search(text))


def previous_question(history: list[tuple[str, str]] | None) -> str:
    """The last question the user asked before this one: a "thanks" or a
    "hello" in between is not a topic."""
    return next((q.strip() for q, _ in reversed(history or []) if not small_talk(q)), "")


def condense(question: str, history: list[tuple[str, str]] | None) -> str:
    """A standalone question for retrieval: a follow-up is joined to the last
    question the user asked (not a "thanks"), so "and how many shells?" still
    finds the shells."""
    previous = previous_question(history)
    if not previous or not is_follow_up(question):
        return question
    return f"{previous} {question}"


# The kind of answer, from how the question opens; first match wins, so
# "how long" is a time before "how" could be anything. Arabic questions may open
# with و/ف ("وكم ...") when they follow another.
_OPENING = r"^\s*(?:[وف](?=\S))?"
ANSWER_KINDS: list[tuple[str, re.Pattern]] = [
    (kind, re.compile(f"{_OPENING}(?:{pattern})", re.I))
    for kind, pattern in [
        (
            "a length of time or a date",
            r"(when|how long|since when|(in |by )?what (year|month|day|date|time))\b|(متى|منذ متى|في أي (عام|سنة|شهر|يوم|تاريخ)|كم من الوقت|كم (استمر|دام|مدة))",
        ),
        ("a number", r"(how (many|much|far|big|large|old)|what (number|percentage|share|amount))\b|(كم|ما (عدد|حجم|قيمة|نسبة|مقدار|مساحة))"),
        (
            "a place",
            r"(where|(in |to |from )?which (city|country|town|region|place|port|area))\b|(أين|إلى أين|الى أين|من أين|في أي (مدينة|دولة|بلد|منطقة|مكان|ميناء)|ما (هي )?(المدينة|الدولة|البلد|المنطقة))",
        ),
        ("a reason", r"(why|for what reason|what (is|was) the reason)\b|(لماذا|لم|ما (هو |هي )?(سبب|أسباب|الدافع))(\s|$)"),
        ("the name of a person", r"(who|whom|whose)\b|(من (هو|هي|هم|الذي|التي)|من)\s"),
    ]
]


def answer_kind(question: str) -> str:
    """ "a number", "a place", ... for a question whose opening says what it
    asks for; "" when it does not ("what did he say about ...")."""
    return next((kind for kind, pattern in ANSWER_KINDS if pattern.match(question)), "")


# "What is the latest on ...": the newest reporting first. Matched on the
# normalized text (آخر -> اخر). Arabic "اخر" before a noun is "latest"; after
# one it is "other" ("شخص آخر"), so it counts only at the start or after ما/ما هو/ما هي.
_LATEST_EN = re.compile(r"\b(latest|most recent|newest|recently|lately|last (news|update|report)s?)\b", re.I)
_LATEST_AR_OPENING = re.compile(r"^(ما\s+(هو\s+|هي\s+)?)?[وف]?(اخر|احدث)\s")
_LATEST_AR = re.compile(r"(^|\s)(موخرا|احدث)(?=[\s؟?.!،]|$)")


def asks_latest(question: str) -> bool:
    """Whether the question asks for the newest reporting ("latest", "آخر", "أحدث")."""
    if _LATEST_EN.search(question):
        return True
    text = normalize(question)
    return bool(_LATEST_AR_OPENING.search(text) or _LATEST_AR.search(text))


# Small talk: a message that only greets, thanks or says goodbye asks the
# articles nothing, yet e5 puts any short text near some sentence ("hello",
# "مرحبا": cosine 0.82-0.89 with a news sentence, above the abstention
# threshold), so it would be answered with that sentence. Matched whole, on the
# normalized text without punctuation: "hello, who is Kirby?" is a question.
_SMALL_TALK = {
    "greeting": [
        r"(hello|hi|hey|hiya|greetings|good (morning|afternoon|evening|day))( (there|all|everyone|again))?",
        r"how are you( doing)?( today)?",
        r"(السلام عليكم|سلام عليكم)( ورحمه الله)?( وبركاته)?|سلام|مرحبا( بك| بكم)?|اهلا( وسهلا| بك| بكم)?|هلا",
        r"(صباح|مساء) (الخير|النور)|كيف (حالك|الحال)",
    ],
    "thanks": [
        r"(thanks|thank you|thx|ty|cheers)( (so|very) much| a lot| again)?|(ok|okay|great|perfect|bye|goodbye)",
        r"(شكرا|اشكرك|مشكور)( جزيلا| لك| لكم)?|(مع السلامه|وداعا|الى اللقاء|تمام|ممتاز)",
    ],
}
_SMALL_TALK_PHRASES = {kind: "|".join(f"(?:{p})" for p in patterns) for kind, patterns in _SMALL_TALK.items()}
_ANY_SMALL_TALK = re.compile(rf"((?:{'|'.join(_SMALL_TALK_PHRASES.values())})( |$))+")
_THANKS = re.compile(rf"(^| )(?:{_SMALL_TALK_PHRASES['thanks']})( |$)")
_PUNCTUATION = re.compile(r"[^\w\s]+|_")


def small_talk(question: str) -> str:
    """ "greeting" or "thanks" for a message that is only that (any mix of
    them is "thanks" when it thanks or says goodbye), "" for a question."""
    text = " ".join(_PUNCTUATION.sub(" ", normalize(question)).split())
    if not text or not _ANY_SMALL_TALK.fullmatch(text + " "):
        return ""
    return "thanks" if _THANKS.search(text) else "greeting"
