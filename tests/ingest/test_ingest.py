from pathlib import Path

import pytest

from rag.ingest.reader import classify_line, clean, decode, load_documents, parse_date

# Real lines from the seed pages and the kind each must get.
LINES = [
    ("", "blank"),
    ("المصدر: الراي", "source"),
    ("تاريخ النشر: 31st, August 2023 GMT", "date"),
    ("كلمات دلالية: مفاوضات الأسلحة کوریا الشمالیة", "tags"),
    ("إقرأ أيضاً:", "see_also"),
    ("اقرأ أيضا", "see_also"),
    ("Read also:", "see_also"),
    ("مقالات مشابهة", "related"),
    ("مقالات ذات صلة", "related"),
    ("Related articles", "related"),
    ("  • البيت الأبيض: ترامب يعتزم حضور قمة مجموعة السبع في كندا", "bullet"),
    ("TT", "agency"),
    ("«الشرق الأوسط» (كييف)", "agency"),
    ("روسيا- كوريا الشمالية (تعبيرية)", "caption"),
    ("وزير الخارجية الروسي سيرغي لافروف لدى وصوله إلى بيونغ يانغ اليوم (رويترز)", "caption"),
    ("Kim Jong Un shakes hands with Sergei Lavrov in Pyongyang (Reuters)", "caption"),
    ("زيلينسكي يزور منطقة دونيتسك الواقعة على خط الجبهة منذ ساعة مستشار الأمن القومي العراقي: الحفاظ على أمن الحدود مع دول الجوار منذ 3 ساعات", "ticker"),
    ("زيلينسكي يدعو الولايات المتحدة إلى تعزيز العقوبات المفروضة على روسيازيلينسكي: أوكرانيا مستعدة لوقف إطلاق النار وتعمل على صفقة مع واشنطنترامب", "runon"),
    ("لافروف يلتقي زعيم كوريا الشمالية في بيونغ يانغ", "heading"),
    ("«أكثر من ألف حاوية»", "heading"),
    ("## Lavrov meets Kim", "heading"),
    ("Lavrov meets North Korean leader in Pyongyang", "heading"),
    ("وتطلق القوات الروسية نحو 60 ألف طلقة يوميا، وفق أرقام أوكرانية.", "paragraph"),
    ("The White House said on Friday that North Korea had delivered more than 1,000 containers of equipment.", "paragraph"),
]


@pytest.mark.parametrize("line, kind", LINES)
def test_classify_line(line, kind):
    assert classify_line(line) == kind


PAGE_AR = """لافروف يلتقي زعيم كوريا الشمالية في بيونغ يانغ

الزعيم الكوري الشمالي كيم جونغ أون يصافح وزير الخارجية الروسي سيرغي لافروف خلال اجتماع في بيونغ يانغ(رويترز)
الزعيم الكوري الشمالي كيم جونغ أون يصافح وزير الخارجية الروسي سيرغي لافروف خلال اجتماع في بيونغ يانغ(رويترز)
TT

لافروف يلتقي زعيم كوريا الشمالية في بيونغ يانغ

التقى وزير الخارجية الروسي سيرغي لافروف، الزعيم الكوري الشمالي كيم جونغ أون في بيونغ يانغ، الخميس.

«أكثر من ألف حاوية»

وأشار المتحدث جون كيربي إلى أن كوريا الشمالية سلّمت «أكثر من ألف حاوية» إلى روسيا.

المصدر: الشرق الأوسط
كلمات دلالية: کوریا الشمالیة
إقرأ أيضاً:
"حادث خطير" في كوريا الشمالية.. كيم غاضب بشدة
ذكرت وكالة الأنباء المركزية الكورية الشمالية، الخميس، إن حادثا وقع خلال إطلاق سفينة حربية جديدة.
مقالات مشابهة
  • البيت الأبيض: ترامب يعتزم حضور قمة مجموعة السبع في كندا
"""

PAGE_EN = """# Lavrov meets Kim in Pyongyang
Published: August 31, 2023

Russian Foreign Minister Sergei Lavrov met Kim Jong Un in Pyongyang on Thursday. He praised the country.

Source: Reuters

Read also:

Trump and Zelensky talk by phone
US President Donald Trump said he had a very good call with Zelensky that lasted about an hour.
"""


def test_clean_arabic_page():
    text, sections, meta = clean(PAGE_AR)
    assert meta == {"title": "لافروف يلتقي زعيم كوريا الشمالية في بيونغ يانغ", "source": "الشرق الأوسط", "date": None}
    for furniture in ("(رويترز)", "TT", "المصدر", "كلمات دلالية", "إقرأ أيضاً", "مقالات مشابهة", "ترامب يعتزم"):
        assert furniture not in text
    assert text.count("لافروف يلتقي زعيم") == 1  # repeated title printed once
    assert [(s.kind, s.title) for s in sections] == [
        ("main", "لافروف يلتقي زعيم كوريا الشمالية في بيونغ يانغ"),
        ("main", "«أكثر من ألف حاوية»"),
        ("appended", '"حادث خطير" في كوريا الشمالية.. كيم غاضب بشدة'),
    ]
    assert text[sections[2].start :].startswith('"حادث خطير"')
    assert text[sections[0].start : sections[0].end].endswith("الخميس.")


def test_clean_english_markdown_page():
    text, sections, meta = clean(PAGE_EN)
    assert meta == {"title": "Lavrov meets Kim in Pyongyang", "source": "Reuters", "date": "2023-08-31"}
    assert [s.kind for s in sections] == ["main", "appended"]
    assert "Source:" not in text and "#" not in text
    assert text[sections[1].start : sections[1].end].startswith("Trump and Zelensky talk by phone")


def test_sections_cover_the_text_without_overlap():
    text, sections, _ = clean(PAGE_AR)
    assert sections[0].start == 0 and sections[-1].end == len(text)
    for a, b in zip(sections, sections[1:]):
        assert a.end < b.start and text[a.end : b.start] == "\n\n"


@pytest.mark.parametrize(
    "raw, iso",
    [
        ("31st, August 2023 GMT", "2023-08-31"),
        ("August 31, 2023", "2023-08-31"),
        ("2024-01-05T10:00", "2024-01-05"),
        ("31 أغسطس 2023", "2023-08-31"),
        ("yesterday", "yesterday"),
    ],
)
def test_parse_date(raw, iso):
    assert parse_date(raw) == iso


@pytest.mark.parametrize(
    "data, text_ok, skipped",
    [
        ("مرحبا".encode(), True, None),
        (b"\xef\xbb\xbfhello", True, None),  # BOM
        (b"", False, True),
        (b"  \n\t ", False, True),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", False, True),
        ("قال كيربي".encode() + b"\xff\xfe ok", True, False),  # invalid UTF-8: replaced, still indexed
    ],
)
def test_decode(data, text_ok, skipped):
    text, problem = decode(data, "f.txt")
    assert (text is not None) == text_ok
    assert (problem.skipped if problem else None) == skipped


def test_load_documents_reports_bad_files_and_keeps_the_rest(tmp_path: Path):
    (tmp_path / "good.txt").write_text(PAGE_AR, encoding="utf-8")
    (tmp_path / "english.md").write_text(PAGE_EN, encoding="utf-8")
    (tmp_path / "page.html").write_text("<html><script>alert(1)</script><body><h1>Title here</h1><p>Body text of the page.</p></body></html>")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02\x03")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 news. The minister met Kim.".encode("latin-1"))
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    (tmp_path / ".hidden.txt").write_text("secret")
    docs, problems = load_documents(tmp_path)
    assert sorted(d.doc_id for d in docs) == ["english", "good", "latin1", "page"]
    by_id = {d.doc_id: d for d in docs}
    assert by_id["good"].language == "ar" and by_id["english"].language == "en"
    assert by_id["page"].title == "Title here" and "alert" not in by_id["page"].text
    assert "�" in by_id["latin1"].text
    reported = {p.path: p.skipped for p in problems}
    assert reported == {"empty.txt": True, "binary.txt": True, "latin1.txt": False}


def test_seed_metadata():
    root = Path(__file__).resolve().parents[2] / "seeds"
    docs = {d.doc_id[:3]: d for d in load_documents(root)[0]}
    assert docs["002"].title.startswith("أمريكا تعلق على مفاوضات") and docs["002"].date == "2023-08-31"
    assert docs["001"].source == "الراي" and docs["003"].source == "الوطن"
    assert docs["004"].title == "لافروف يلتقي زعيم كوريا الشمالية في بيونغ يانغ"
    assert all(d.language == "ar" for d in docs.values())
    # The Trump-Zelensky call pasted under the arms-shipment article is its own story.
    call = [s for s in docs["000"].sections if "ترامب" in s.title]
    assert call and all(s.kind == "appended" for s in call)
    assert "کوریا" not in "".join(d.text for d in docs.values())
