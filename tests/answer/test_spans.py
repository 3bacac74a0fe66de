"""The number or date that answers, said in English (pure functions)."""

import pytest

from rag.answer.spans import english_span


@pytest.mark.parametrize(
    "span, english",
    [
        ("2,5 مليون", "2.5 million"),  # the Arabic decimal comma
        ("2.5 مليون", "2.5 million"),
        ("١٦", "16"),
        ("ألف", "1,000"),
        ("3 آلاف", "3 thousand"),
        ("مليونين", "2 million"),
        ("ثلاثة", "3"),
        ("40 بالمئة", "40%"),
        ("18%", "18%"),
        ("11،600", "11,600"),
        ("أوائل عام 2020", "early 2020"),
        ("يوم الثلاثاء 12 سبتمبر", "Tuesday 12 September"),
        ("12 كانون الثاني 2023", "12 January 2023"),
        ("الخميس", "Thursday"),
        ("نصف", "half"),
        ("290 كيلومتراً", "290 km"),
        ("12 مليون دولار", "12 million dollars"),
        ("ثلث", "a third"),
        ("16", "16"),
        ("early 2020", "early 2020"),
        # How exact, how long, a month's two names, the Maghreb's month names.
        ("أكثر من ألف", "more than 1,000"),
        ("ما يزيد عن 37 مليون", "more than 37 million"),
        ("نحو 290 كيلومتراً", "about 290 km"),
        ("أقل من 5%", "less than 5%"),
        ("ست سنوات", "6 years"),
        ("أكثر من 30 يوماً", "more than 30 days"),
        ("1500 عام", "1500 years"),
        ("عام 2020", "2020"),
        ("ثلاثة أضعاف", "3 times"),
        ("تموز/يوليو 1961", "July 1961"),
        ("تموز/يوليو1961", "July 1961"),
        ("27 كانون الثاني/يناير 1967", "27 January 1967"),
        ("1/2", ""),  # a slash between numbers is no month's two names
        ("فيفري 2007", "February 2007"),
        ("جويلية", "July"),
        # A word with no fixed English form needs a translator.
        ("نحو ساعة", ""),
    ],
)
def test_english_span(span, english):
    assert english_span(span) == english
