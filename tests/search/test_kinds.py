"""The numbers and dates in a sentence that answer a "how many" or a "when" (pure functions)."""

import pytest

from rag.search.kinds import answer_span, candidates


@pytest.mark.parametrize(
    "question, sentence, expected",
    [
        ("كم قذيفة أرسلت كوريا؟", "أرسلت كوريا الشمالية 2,5 مليون قذيفة إلى روسيا.", "2,5 مليون"),
        # A word that says how exact the number is stays with it.
        ("How far is the depot from the border?", "يقع المستودع على مسافة نحو 290 كيلومتراً من الحدود.", "نحو 290 كيلومتراً"),
        ("كم حاوية سلمت كوريا؟", "سلّمت كوريا «أكثر من ألف حاوية» من المعدات.", "أكثر من ألف"),
        ("How many passengers does it carry?", "The network carries more than 37 million passengers a year.", "more than 37 million"),
        ("كم سنة استمرت الحرب؟", "استمرت الحرب ست سنوات كاملة.", "ست سنوات"),
        ("How much do they eat in a day?", "تأكل عشرة أضعاف وزنها يومياً.", "عشرة أضعاف"),
        ("How many civilians were killed?", "Officials said 16 civilians were killed in 2023.", "16"),
        # A number the question already states is not its answer.
        ("How many civilians were killed in 2023?", "In 2023, 16 civilians were killed.", "16"),
        ("كم عدد القتلى في 2023؟", "في ٢٠٢٣ قُتل ١٦ مدنياً.", "١٦"),
        ("كم عدد الجنود؟", "قتل ثلاثة جنود في الضربة.", "ثلاثة"),
        # Several candidates: nothing tells which answers, so none is marked.
        ("كم عدد الجنود؟", "قتل ثلاثة جنود وأصيب 85 آخرون", None),
        ("How many households have children?", "There were 158,349 households, of which 68,511 had children.", None),
        ("What percentage of voters took part?", "Turnout reached 64.5% on Sunday.", "64.5%"),
        ("ما نسبة المشاركة؟", "بلغت نسبة المشاركة 40 بالمئة.", "40 بالمئة"),
        ("What share of the grid was hit?", "أصابت الضربات نصف البنية التحتية للكهرباء.", "نصف"),
        ("متى أغلقت كوريا حدودها؟", "أغلقت كوريا الشمالية حدودها منذ أوائل عام 2020 بسبب الجائحة.", "أوائل عام 2020"),
        ("When did Kim visit?", "Kim arrived on Tuesday, 12 September 2023 in Vladivostok.", "Tuesday, 12 September 2023"),
        ("متى وصل كيم؟", "وصل كيم يوم الثلاثاء 12 سبتمبر إلى فلاديفوستوك.", "يوم الثلاثاء 12 سبتمبر"),
        ("وفي أي يوم؟", "التقى لافروف كيم في بيونغ يانغ، الخميس، وفق البيان.", "الخميس"),
        ("In what year did it open?", "It opened in 1998 after delays.", "1998"),
        # A month's two names, the Maghreb's names, a year glued to its month.
        ("متى تأسست اللجنة؟", "تأسست اللجنة في تموز/يوليو 1961 بقرار من الحكومة.", "تموز/يوليو 1961"),
        ("When was the committee set up?", "تأسست اللجنة في تموز/يوليو1961 بقرار من الحكومة.", "تموز/يوليو1961"),
        ("متى أعلنت الشركة ذلك؟", "أعلنت الشركة ذلك في فيفري 2007 في بيان.", "فيفري 2007"),
        ("When did the test take place?", "جرى الاختبار في 27 كانون الثاني/يناير 1967 في فلوريدا.", "27 كانون الثاني/يناير 1967"),
        # The same words twice are one answer.
        ("When did the UK sign?", "في سنة 1997 وقعت المملكة المتحدة الاتفاق، ودخل حيز التنفيذ في سنة 1997 أيضاً.", "سنة 1997"),
        # A count that looks like a year is a count; a year after "in" or "منذ" a date.
        ("كم سفينة استقبل ميناء العقبة؟", "استقبل ميناء العقبة 1980 سفينة تجارية.", "1980"),
        ("How many ships did Aqaba receive?", "Aqaba received 1980 ships last year.", "1980"),
        ("متى أغلقت الحدود؟", "أغلقت كوريا حدودها منذ 2020 بسبب الجائحة.", "2020"),
        ("How many died?", "In 2023 16 civilians died.", "16"),
        # A "when" answered by no calendar date: the number.
        ("When did the last glacial end?", "The last glacial period ended about 11,600 BP.", "about 11,600"),
        # Questions that ask for something else, or sentences with nothing of the kind.
        ("Who is the spokesman?", "The spokesman, John Kirby, said 1,000 containers arrived.", None),
        ("من المتحدث؟", "قال المتحدث جون كيربي إن ألف حاوية وصلت.", None),
        ("How many ships?", "No figure was given.", None),
        ("كم سفينة؟", "لم يذكر أي رقم.", None),
    ],
)
def test_answer_span(question, sentence, expected):
    span = answer_span(sentence, question)
    assert (sentence[span[0] : span[1]] if span else None) == expected


@pytest.mark.parametrize(
    "question, sentence, found",
    [
        ("كم عدد الجنود؟", "قتل ثلاثة جنود وأصيب 85 آخرون", ["ثلاثة", "85"]),
        ("How many in 2023?", "In 2023, 16 died and 4 were hurt.", ["16", "4"]),
        # The question's own number, even with "more than" before it in the sentence.
        ("كم حاوية من أصل ألف وصلت؟", "وصلت أكثر من ألف حاوية، منها 300 إلى المستودع.", ["300"]),
        ("Who spoke?", "Kirby spoke on 12 May.", []),
    ],
)
def test_candidates(question, sentence, found):
    assert [sentence[a:b] for a, b in candidates(sentence, question)] == found
