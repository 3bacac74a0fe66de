import pytest

from rag.core.text import detect_language, normalize, search_words, sentence_spans, split_sentences


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("أكثرُ مِنْ أَلْف حاوية", "اكثر من الف حاويه"),  # harakat, hamza on alef, teh marbuta
        ("كـــوريا   الشمالية", "كوريا الشماليه"),  # tatweel, repeated spaces
        ("کوریا الشمالیة", "كوريا الشماليه"),  # Persian kaf and yeh
        ("إسرائيل وآسيا ٱلقدس", "اسراييل واسيا القدس"),  # إ آ ٱ, ئ
        ("مؤتمر على مستوى", "موتمر علي مستوي"),  # ؤ, alef maksura
        ("\u200fكيربي\u200b \u202bقال\u202c", "كيربي قال"),  # zero-width and bidi marks
        ("John  KIRBY\tsaid", "john kirby said"),
        ("", ""),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    "text, lang",
    [
        ("كم حاوية سلمت كوريا الشمالية؟", "ar"),
        ("How many containers were delivered?", "en"),
        ("من هو Kirby؟", "ar"),
        ("Who is كيربي in the article?", "en"),
        ("٢٠٢٣ 2023 ?", "en"),
    ],
)
def test_detect_language(text, lang):
    assert detect_language(text) == lang


@pytest.mark.parametrize(
    "text, words",
    [
        ("كم حاوية سلمت كوريا؟", ["كم", "حاويه", "سلمت", "كوريا"]),
        ("How many containers?", ["how", "many", "containers"]),
        ("مــــاذا قال؟", ["ماذا", "قال"]),  # tatweel inside a word
        ("ـــ ًٌٍ ؟!", []),  # tatweel, harakat, punctuation
        ("xxxxxxxx", []),  # one key held down
        ("xxx yyyy Kirby", ["kirby"]),
        ("هههههه ههههه", []),  # Arabic laughter
        ("ببب كوريا", ["كوريا"]),
        ("a و؟", ["a", "و"]),  # one-letter words are words
        ("aa بب", ["aa", "بب"]),
        ("111 ٢٩٠", ["111", "٢٩٠"]),  # a repeated digit is a number
        ("😀🔥", []),
    ],
)
def test_search_words(text, words):
    assert search_words(text) == words


@pytest.mark.parametrize(
    "text, sentences",
    [
        ("قال كيربي إن الشحنات وصلت. وأضاف أنها ستستخدم في أوكرانيا.", ["قال كيربي إن الشحنات وصلت.", "وأضاف أنها ستستخدم في أوكرانيا."]),
        ("هل وصلت؟ نعم؛ وصلت أمس", ["هل وصلت؟", "نعم؛", "وصلت أمس"]),
        ("إنتاج 2.5 مليون قذيفة. وتطلق 60 ألف طلقة", ["إنتاج 2.5 مليون قذيفة.", "وتطلق 60 ألف طلقة"]),
        ("قال: «إنه فاشل». ثم غادر", ["قال: «إنه فاشل».", "ثم غادر"]),
        ("عنوان بلا نقطة\nفقرة أولى.", ["عنوان بلا نقطة", "فقرة أولى."]),
        ("The U.S. said so. Mr. Kirby agreed!  Really?", ["The U.S. said so.", "Mr. Kirby agreed!", "Really?"]),
        ("It rose to 2.5 million shells... Analysts doubt it.", ["It rose to 2.5 million shells...", "Analysts doubt it."]),
        ("   \n\n  ", []),
    ],
)
def test_split_sentences(text, sentences):
    assert split_sentences(text) == sentences


def test_sentence_spans_are_offsets_into_the_text():
    text = "مقدمة.\n\nقال كيربي: «أكثر من ألف حاوية». وأضاف شيئاً آخر."
    start = text.index("قال")
    spans = sentence_spans(text, start, len(text))
    assert [text[a:b] for a, b in spans] == ["قال كيربي: «أكثر من ألف حاوية».", "وأضاف شيئاً آخر."]
    assert all(a >= start for a, _ in spans)
