"""Load article files and clean scraped-page furniture into documents with sections.

A seed file is a scraped news page: the article, then page furniture (link
lists, tag lines, "المصدر:", repeated captions, agency tags) and often whole
unrelated news items pasted after it. Furniture is dropped; the pasted items are
kept as their own "appended" sections, because users ask about them too but
they are not the headline's story.

Cleaning is line based: every line is classified by `classify_line` (a pure
function with a table of tests), then `clean` assembles the kept lines into the
cleaned text, sections and metadata. Offsets everywhere refer to that cleaned text.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from rag.core.config import MAX_FILE_MB
from rag.core.text import INVISIBLE, PERSIAN_TO_ARABIC, detect_language, normalize, word_count

# Bump when cleaning changes what goes into the index: the manifest records it and
# a different version re-indexes every file.
CLEANER_VERSION = "1"
SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm")

# --- line classification ---------------------------------------------------

_SEE_ALSO = re.compile(r"^\s*(?:إ|ا)قرأ\s+(?:أ|ا)يض(?:ا|اً|ًا)\s*[:：]?\s*$|^\s*(?:read\s+(?:also|more)|see\s+also)\s*:?\s*$", re.I)
_RELATED = re.compile(
    r"^\s*(?:مقالات|أخبار|اخبار|مواضيع|موضوعات)\s+(?:مشابهة|ذات\s+صلة|متعلقة|مقترحة)\s*:?\s*$"
    r"|^\s*(?:related|similar)\s+(?:articles|stories|news)\s*:?\s*$",
    re.I,
)
_TAGS = re.compile(r"^\s*(?:كلمات\s+دلالية|الكلمات\s+الدلالية|وسوم|tags)\s*[:：]", re.I)
_SOURCE = re.compile(r"^\s*(?:المصدر|source)\s*[:：]\s*(.{1,80}?)\s*$", re.I)
_DATE = re.compile(r"^\s*(?:تاريخ\s+النشر|نشر\s+في|published(?:\s+on)?|date)\s*[:：]\s*(.{1,80}?)\s*$", re.I)
_BULLET = re.compile(r"^\s*[•·▪●◦*\-–]\s+\S")
# "TT", "AFP" alone on a line; or a dateline such as «الشرق الأوسط» (كييف).
_AGENCY = re.compile(r"^\s*(?:[A-Z]{2,5}|«[^»]{1,40}»\s*\([^)]{1,30}\))\s*$")
# Photo captions end with the credit in brackets: (رويترز), (أ.ب), (تعبيرية), (AFP).
_CAPTION_CREDIT = re.compile(r"\(\s*[^()]{1,25}\)\s*$")
# News tickers carry relative times: "منذ ساعة", "منذ 3 ساعات", "2 hours ago".
_TICKER = re.compile(r"منذ\s+(?:\d+\s+)?(?:ساعة|ساعات|ساعتين|دقيقة|دقائق|يوم|أيام|يومين)|\b\d+\s+(?:minutes?|hours?|days?)\s+ago\b", re.I)
_SENTENCE_PUNCT = re.compile(r"[.،,؟?!؛;]")
_ENDS_SENTENCE = re.compile(r"[.!?؟…:\"»”']\s*$")
_MD_HEADING = re.compile(r"^\s*#{1,6}\s+")

HEADING_MAX_WORDS = 20
RUNON_MIN_WORDS = 15


def classify_line(line: str) -> str:
    """Return the kind of one line of a scraped page.

    blank, source, date, tags, see_also, related, bullet, agency, ticker, caption,
    runon (link titles glued together), heading, paragraph.
    """
    text = line.strip()
    if not text:
        return "blank"
    if _SEE_ALSO.match(text):
        return "see_also"
    if _RELATED.match(text):
        return "related"
    if _TAGS.match(text):
        return "tags"
    if _SOURCE.match(text):
        return "source"
    if _DATE.match(text):
        return "date"
    if _MD_HEADING.match(text):
        return "heading"
    words = word_count(text)
    if _BULLET.match(text) and words <= 30:
        return "bullet"
    if _AGENCY.match(text):
        return "agency"
    has_punct = bool(_SENTENCE_PUNCT.search(text))
    if _TICKER.search(text) and not _ENDS_SENTENCE.search(text):
        return "ticker"
    if (credit := _CAPTION_CREDIT.search(text)) and not _ENDS_SENTENCE.search(text[: credit.start()]):
        return "caption"
    if words >= RUNON_MIN_WORDS and not has_punct:
        return "runon"
    if words <= HEADING_MAX_WORDS and not re.search(r"[.:]\s*$", text):
        return "heading"
    return "paragraph"


# --- documents -------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    n: int
    kind: str  # "main" (the headline's story) or "appended" (another story on the page)
    title: str
    start: int
    end: int


@dataclass(frozen=True)
class Document:
    doc_id: str
    path: str
    title: str
    text: str
    sections: tuple[Section, ...]
    language: str
    sha256: str
    source: str | None = None
    date: str | None = None

    @property
    def metadata(self) -> dict:
        return {
            "doc_id": self.doc_id,
            "path": self.path,
            "title": self.title,
            "source": self.source or "",
            "date": self.date or "",
            "language": self.language,
        }


@dataclass(frozen=True)
class LoadProblem:
    path: str
    message: str
    skipped: bool

    def __str__(self) -> str:
        return f"{self.path}: {self.message} ({'skipped' if self.skipped else 'indexed anyway'})"


@dataclass
class _Builder:
    parts: list[str] = field(default_factory=list)
    length: int = 0
    sections: list[Section] = field(default_factory=list)
    section_start: int = 0
    section_title: str = ""
    section_kind: str = "main"
    has_body: bool = False

    def append(self, text: str) -> None:
        if self.parts:
            self.parts.append("\n\n")
            self.length += 2
        self.parts.append(text)
        self.length += len(text)

    def close_section(self) -> None:
        if self.length > self.section_start:
            start = self.section_start + (2 if self.sections else 0)
            self.sections.append(Section(len(self.sections), self.section_kind, self.section_title, start, self.length))
        self.section_start = self.length
        self.section_title = ""
        self.has_body = False


def clean(raw: str) -> tuple[str, list[Section], dict]:
    """Clean one page. Returns (cleaned text, sections, metadata: title/source/date)."""
    raw = INVISIBLE.sub("", raw.replace("\r\n", "\n").replace("\r", "\n")).translate(PERSIAN_TO_ARABIC)
    meta: dict = {"title": "", "source": None, "date": None}
    seen: set[str] = set()
    b = _Builder()
    heading_run: list[str] = []

    for line in raw.split("\n"):
        kind = classify_line(line)
        text = _MD_HEADING.sub("", line.strip())
        if kind in ("source", "date"):
            found = (_SOURCE if kind == "source" else _DATE).match(text)
            assert found is not None  # classify_line said so
            value = found.group(1).strip(" .،")
            if meta[kind] is None:
                meta[kind] = parse_date(value) if kind == "date" else value
        if kind in ("source", "tags", "see_also", "related"):
            # The article ends here; whatever text follows belongs to other stories.
            if b.has_body:
                b.close_section()
            if b.sections:
                b.section_kind = "appended"
            heading_run = []
            continue
        if kind not in ("heading", "paragraph"):
            continue
        key = normalize(text)
        repeated = key in seen  # captions and titles printed twice
        seen.add(key)
        if kind == "heading":
            if b.has_body:
                b.close_section()
                heading_run = []
            heading_run.append(text)
            b.section_title = heading_run[-1]
            if repeated:  # still a boundary: a story's title repeated above its body
                continue
            if not meta["title"] and not b.sections and not b.has_body:
                meta["title"] = text
            # A pasted news item comes with its own caption and title: two or more
            # heading lines in a row past the first section mark another story.
            if b.sections and len(heading_run) >= 2:
                b.section_kind = "appended"
        elif repeated:
            continue
        else:
            heading_run = []
            b.has_body = True
        b.append(text)
    b.close_section()

    text = "".join(b.parts)
    if not meta["title"] and text:
        meta["title"] = _first_sentence(text)
    sections = [s if s.title else Section(s.n, s.kind, _first_sentence(text[s.start : s.end]), s.start, s.end) for s in b.sections]
    return text, sections, meta


def _first_sentence(text: str, limit: int = 90) -> str:
    first = re.split(r"(?<=[.!?؟])\s|\n", text.strip(), maxsplit=1)[0]
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


_MONTHS = {
    **{
        m: i
        for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"], 1)
    },
    **{m: i for i, m in enumerate(["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"], 1)},
}


def parse_date(value: str) -> str:
    """ISO date from '31st, August 2023 GMT', 'August 31, 2023', '2023-08-31'; else the text as given."""
    iso = re.search(r"(\d{4})-(\d{2})-(\d{2})", value)
    if iso:
        return iso.group(0)
    words = re.findall(r"\d+|[^\W\d_]+", value)
    day = year = month = None
    for w in words:
        if w.isdigit():
            if len(w) == 4:
                year = int(w)
            elif day is None and 1 <= int(w) <= 31:
                day = int(w)
        elif w.lower() in _MONTHS:
            month = _MONTHS[w.lower()]
        elif w.lower()[:3] in {k[:3] for k in _MONTHS if k.isascii()} and month is None:
            month = next(v for k, v in _MONTHS.items() if k.isascii() and k[:3] == w.lower()[:3])
    if day and month and year:
        return f"{year:04d}-{month:02d}-{day:02d}"
    return value


class _HTMLText(HTMLParser):
    """Visible text of an HTML page, one block element per line."""

    _BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article", "header", "blockquote"}
    _SKIP = {"script", "style", "nav", "footer", "noscript", "template", "svg", "form"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self._skip += 1
        elif tag in self._BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag):
        if tag in self._SKIP and self._skip:
            self._skip -= 1
        elif tag in self._BLOCKS:
            self.out.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.out.append(data.replace("\n", " "))


def html_to_text(html: str) -> str:
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    return "".join(parser.out)


# --- files -----------------------------------------------------------------


def list_seed_files(seeds_dir: Path) -> tuple[list[Path], list[LoadProblem]]:
    """Supported files under seeds_dir (recursively), skipping hidden files and
    symlinks that point outside the folder."""
    problems: list[LoadProblem] = []
    if not seeds_dir.is_dir():
        raise FileNotFoundError(f"The articles folder {seeds_dir} does not exist (set RAG_SEEDS_DIR).")
    root = seeds_dir.resolve()
    files = []
    for path in sorted(seeds_dir.rglob("*")):
        rel = path.relative_to(seeds_dir)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue
        if path.is_symlink() and not path.resolve().is_relative_to(root):
            problems.append(LoadProblem(str(rel), "is a link to a file outside the articles folder", True))
            continue
        files.append(path)
    return files, problems


def doc_id_for(path: Path, seeds_dir: Path) -> str:
    """The file's path inside the folder, without its suffix: stable across runs."""
    return path.relative_to(seeds_dir).with_suffix("").as_posix()


def decode(data: bytes, name: str) -> tuple[str | None, LoadProblem | None]:
    """Bytes -> text. Binary and empty files are skipped; invalid UTF-8 is decoded
    with replacement characters and reported, so one bad byte never loses an article."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")  # Windows "Unicode" text: NULs are not binary here
        return (text, None) if text.strip() else (None, LoadProblem(name, "is empty", True))
    if b"\x00" in data[:8192]:
        return None, LoadProblem(name, "looks like a binary file, not text", True)
    try:
        text = data.decode("utf-8-sig")
        problem = None
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8", errors="replace")
        problem = LoadProblem(name, f"is not valid UTF-8 (first bad byte at {exc.start}); bad bytes replaced with �", False)
    if not text.strip():
        return None, LoadProblem(name, "is empty", True)
    return text, problem


def load_document(path: Path, seeds_dir: Path, data: bytes | None = None, max_mb: float = MAX_FILE_MB) -> tuple[Document | None, list[LoadProblem]]:
    name = path.relative_to(seeds_dir).as_posix()
    try:
        size_mb = (len(data) if data is not None else path.stat().st_size) / 1e6
        if size_mb > max_mb:
            return None, [LoadProblem(name, f"is {size_mb:.1f} MB, over the {max_mb:g} MB limit for one article (RAG_MAX_FILE_MB)", True)]
        data = path.read_bytes() if data is None else data
    except OSError as exc:
        return None, [LoadProblem(name, f"cannot be read: {exc.strerror or exc}", True)]
    raw, problem = decode(data, name)
    problems = [problem] if problem else []
    if raw is None:
        return None, problems
    if path.suffix.lower() in (".html", ".htm"):
        raw = html_to_text(raw)
    text, sections, meta = clean(raw)
    if not text.strip():
        return None, problems + [LoadProblem(name, "has no article text after cleaning", True)]
    doc = Document(
        doc_id=doc_id_for(path, seeds_dir),
        path=name,
        title=meta["title"],
        text=text,
        sections=tuple(sections),
        language=detect_language(text),
        sha256=hashlib.sha256(data).hexdigest(),
        source=meta["source"],
        date=meta["date"],
    )
    return doc, problems


def load_documents(seeds_dir: Path, max_mb: float = MAX_FILE_MB) -> tuple[list[Document], list[LoadProblem]]:
    files, problems = list_seed_files(seeds_dir)
    docs: dict[str, Document] = {}
    for path in files:
        doc, file_problems = load_document(path, seeds_dir, max_mb=max_mb)
        problems.extend(file_problems)
        if doc is None:
            continue
        if doc.doc_id in docs:
            problems.append(LoadProblem(doc.path, f"has the same name as {docs[doc.doc_id].path}", True))
            continue
        docs[doc.doc_id] = doc
    return list(docs.values()), problems
