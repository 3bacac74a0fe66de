"""Articles added from the UI: safe names, checks before writing, nothing overwritten unasked."""

import pytest

from rag.ingest.upload import UploadError, add_file, add_text, articles, remove, safe_name

ARTICLE = "عنوان الخبر\n\nأعلنت وزارة النقل افتتاح خط جديد للسكك الحديدية بين المدينتين يوم الأحد.\n".encode()


@pytest.mark.parametrize(
    "name, safe",
    [
        ("report.txt", "report.txt"),
        ("تقرير الميناء.md", "تقرير الميناء.md"),  # Arabic letters and spaces stay
        ("../../etc/passwd.txt", "passwd.txt"),  # no way out of the folder
        ("C:\\Users\\me\\news.HTML", "news.html"),
        (".hidden.txt", "hidden.txt"),
        ("a\u200fb\x00c.txt", "abc.txt"),  # bidi marks and control characters dropped
        ("what?*:<>|.txt", "what.txt"),
        ("notes.pdf", "notes.pdf.txt"),  # an unsupported suffix becomes part of the name
        ("...", "article.txt"),
        ("x" * 200 + ".md", "x" * 80 + ".md"),
    ],
)
def test_safe_name(name, safe):
    assert safe_name(name) == safe


def test_an_upload_is_written_once_and_replaced_only_when_asked(tmp_path):
    added = add_file(tmp_path, "خبر.txt", ARTICLE)
    assert added.name == "خبر.txt" and not added.replaced and articles(tmp_path) == ["خبر.txt"]
    with pytest.raises(UploadError, match="already in the articles folder"):
        add_file(tmp_path, "خبر.txt", b"other text\n\nWith a sentence of its own that is long enough.")
    assert (tmp_path / "خبر.txt").read_bytes() == ARTICLE  # nothing overwritten
    assert add_file(tmp_path, "خبر.txt", ARTICLE + b"\n", replace=True).replaced
    with pytest.raises(UploadError, match="same name"):
        add_file(tmp_path, "خبر.md", ARTICLE)  # the index would see two articles called "خبر"


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("empty.txt", b"  \n", "is empty"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
        ("photo.jpg", b"\xff\xd8\xff", "only .txt"),
        ("links.html", b"<html><body><script>x()</script></body></html>", "no article text"),
    ],
)
def test_a_file_the_index_would_skip_is_refused_and_nothing_is_written(tmp_path, name, data, reason):
    with pytest.raises(UploadError, match=reason):
        add_file(tmp_path, name, data)
    assert list(tmp_path.iterdir()) == []


def test_a_pasted_article_keeps_its_outlet_and_date(tmp_path):
    from rag.ingest.reader import load_document

    added = add_text(tmp_path, "Port opens a new terminal", "The port opened a new container terminal on Sunday, officials said.", "Gulf News", "2024-05-20")
    document, _ = load_document(tmp_path / added.name, tmp_path)
    assert added.name.startswith("Port opens a new terminal-") and added.name.endswith(".md")
    assert document.title == "Port opens a new terminal" and document.source == "Gulf News" and document.date == "2024-05-20"
    with pytest.raises(UploadError, match="title and its text"):
        add_text(tmp_path, "  ", "text")


def test_remove_takes_only_articles_of_the_folder(tmp_path):
    add_file(tmp_path, "a.txt", ARTICLE)
    with pytest.raises(UploadError, match="not an article"):
        remove(tmp_path, "../a.txt")
    remove(tmp_path, "a.txt")
    assert articles(tmp_path) == []
