import pytest

from rag.core.text import normalize
from rag.index.lexical import (
    LexicalIndex,
    NameLexicon,
    cross_lingual_tokens,
    index_tokens,
    latin_skeleton,
    light_stem_arabic,
    name_candidates,
    tokenize,
)


@pytest.mark.parametrize(
    "text, tokens",
    [
        ("قتلوا", ["قتلوا", "~قتل"]),  # Snowball strips the verb ending light10 keeps...
        ("قتل", ["قتل", "~قتل"]),  # ...so the two forms meet in the marked stem
        ("وصلت", ["صلت", "~وصل"]),  # light10 takes و for "and"; Snowball keeps it
        ("الحاويات حاوية", ["حاو", "~حاو", "حاو", "~حاو"]),  # light10 meets where Snowball does too
        ("فلاديفوستوك", ["فلاديفوستوك", "~لاديفوست"]),  # a name stays whole in light10
        ("في عام 2020", ["عام", "~عام", "2020"]),  # stopwords out; digits are not stemmed
        ("The minister said 1,000 containers", ["minist", "1", "000", "contain"]),  # English: one Snowball stem
        ("", []),
    ],
)
def test_index_tokens_carry_both_arabic_stems(text, tokens):
    assert index_tokens(text) == tokens


@pytest.mark.parametrize(
    "word, stem",
    [
        ("الحاويات", "حاو"),
        ("حاوية", "حاو"),  # with and without the article: one stem
        ("والذخائر", "ذخاير"),
        ("بالذخائر", "ذخاير"),
        ("فلاديفوستوك", "فلاديفوستوك"),  # a name keeps its first letter (Snowball drops the ف)
        ("للقاء", "قاء"),
        ("المتحدثة", "متحدث"),
        ("كيربي", "كيرب"),
        ("وكيربي", "كيرب"),
        ("و", "و"),  # too short to strip
    ],
)
def test_light_stem(word, stem):
    assert light_stem_arabic(normalize(word)) == normalize(stem)


@pytest.mark.parametrize(
    "text, tokens",
    [
        ("سلّمت كوريا الشمالية «أكثر من ألف حاوية»", ["سلمت", "كوريا", "شمال", "اكثر", "الف", "حاو"]),
        ("سَلَّمَتْ كُورِيَا الشَّمَالِيَّة", ["سلمت", "كوريا", "شمال"]),  # harakat do not split or change words
        ("كـــوريا الشمالیة", ["كوريا", "شمال"]),  # tatweel, Persian yeh
        ("في مدينة كريفي ريه؛ قتل ٨٥ عسكرياً؟", ["مدين", "كريف", "ري", "قتل", "85", "عسكريا"]),
        ("How many containers did North Korea deliver?", ["contain", "north", "korea", "deliv"]),
        ("Kirby's 2.5 million shells", ["kirbi", "s", "2", "5", "million", "shell"]),
        ("", []),
    ],
)
def test_tokenize(text, tokens):
    assert tokenize(text) == tokens


@pytest.mark.parametrize(
    "latin, arabic, match",
    [
        ("Kirby", "كيربي", True),
        ("Lavrov", "لافروف", True),
        ("Najin", "ناجين", True),
        ("Vladivostok", "فلاديفوستوك", True),
        ("Pyongyang", "بيونغ يانغ", True),
        ("Washington", "واشنطن", True),
        ("Watson", "واتسون", True),
        ("Kirby", "قريبا", False),  # "soon": k is not ق
        ("Lavrov", "لافروف ريابكوف", False),
    ],
)
def test_transliteration(latin, arabic, match):
    lexicon = NameLexicon.from_vocabulary({normalize(arabic)})
    assert (normalize(arabic) in lexicon.transliterations(latin)) is match


def test_short_names_are_not_guessed():
    assert latin_skeleton("Kim") and NameLexicon.from_vocabulary({"كيم"}).transliterations("Kim") == set()


@pytest.mark.parametrize(
    "question, names",
    [
        ("Which Russian minister met Kim Jong Un in Pyongyang?", ["russian", "jong", "pyongyang"]),
        ("how long did the call with zelensky last", ["long", "call", "zelensky", "last"]),  # no capitals: every content word
        ("What did Kirby say?", ["kirby"]),
    ],
)
def test_name_candidates(question, names):
    assert name_candidates(question) == names


CORPUS = {
    "a": "وصرح جون كيربي المتحدث باسم مجلس الأمن القومي بأن الحاويات وصلت.",
    "b": "التقى وزير الخارجية الروسي سيرغي لافروف الزعيم الكوري الشمالي في بيونغ يانغ.",
    "c": "The minister said more than 1,000 containers were delivered by train.",
    "d": "نقلت الحاويات بالقطار إلى مستودع ذخيرة قرب الحدود الأوكرانية.",
}


@pytest.fixture(scope="module")
def index():
    return LexicalIndex.build([LexicalIndex.row(i, i, t) for i, t in CORPUS.items()])


@pytest.mark.parametrize(
    "query, best",
    [
        ("ماذا قال كيربي عن الحاويات؟", "a"),
        ("لافروف في بيونغ يانغ", "b"),
        ("بالحاويات والقطار", "d"),
        ("How many containers were delivered?", "c"),
    ],
)
def test_bm25_search(index, query, best):
    hits = index.search(index.query_tokens(query), 4)
    assert hits[0][0] == best and all(score > 0 for _, score in hits)


def test_unknown_words_find_nothing(index):
    assert index.search(index.query_tokens("كأس العالم لكرة القدم"), 4) == []
    assert LexicalIndex.build([]).search(["x"], 3) == []


def test_one_letter_clitic_is_tried_off_when_the_corpus_lacks_the_word(index):
    # "لكيربي" (to Kirby) is not in the corpus; "كيربي" is.
    assert "كيرب" in index.query_tokens("لكيربي")


def test_english_names_reach_arabic_passages(index):
    tokens = index.query_tokens("What did Kirby say about Lavrov?", names=True)
    assert {"كيرب", "لافروف"} <= set(tokens)
    assert {hit for hit, _ in index.search(tokens, 4)} == {"a", "b"}
    assert cross_lingual_tokens("What did Kirby say?", index.names) == ["كيرب"]
