"""Answers and passages as safe HTML for the chat UI (pure functions, no Gradio).

Everything a user typed and every article's text goes through `escape` before it
reaches the page: the chat shows text, it never runs it. The only markup is
ours: a direction wrapper per message, citation links and the sources panel.
"""

from __future__ import annotations

import html
import re
from pathlib import PurePath

from rag.answer.guard import MARKER, marker_numbers
from rag.answer.schema import Answer, Citation
from rag.core.text import detect_language
from rag.search.filters import Scope
from rag.search.kinds import answer_span
from rag.search.retrieval import Passage

# Interface text in both languages; the UI follows the question's language
# unless the user picks one.
TEXT = {
    "en": {
        "title": "Ask the articles",
        "subtitle": "Questions in Arabic or English; every answer cites the passages it uses.",
        "placeholder": "Ask a question about the articles…",
        "send": "Send",
        "stop": "Stop",
        "new_chat": "New chat",
        "sources": "Sources",
        "sources_empty": "The passages behind each answer appear here. Click a [n] in an answer to see its passage.",
        "cited": "Cited",
        "other": "Other retrieved passages",
        "question": "Question",
        "index": "Index",
        "rebuild": "Rebuild index",
        "examples": "Examples",
        "language": "Interface language",
        "drafting": "Best supporting sentence, while the model writes its answer…",
        "translating": "The Arabic sentence that answers, while the model translates it…",
        "checking": "The sentence that answers, while the model checks that it does…",
        "choosing": "The best-ranked sentence, while the model reads the next best to choose the one that answers…",
        "searching": "Searching the articles…",
        "empty": "The question is empty: type a question about the articles.",
        "no_words": "The question has no words or numbers to search for.",
        "index_problem": "The index cannot be used: {detail}",
        "failed": "Something went wrong while answering: {detail}",
        "documents": "documents",
        "chunks": "passages",
        "embedding": "embedding",
        "model": "answers",
        "built": "built",
        "no_index": "No index yet: build it with the button below.",
        "filters": "Filter by outlet and date",
        "outlets": "Outlets (all when empty)",
        "since": "From (YYYY-MM-DD)",
        "until": "To (YYYY-MM-DD)",
        "filter_all": "All {total} articles are searched{held}.",
        "held": ", dated {first} to {last}",
        "filter_some": "{kept} of {total} articles match the filter: {left_out} left out{undated}.",
        "undated": " ({undated} of them have no date)",
        "bad_filter": "The filter cannot be applied: {detail}",
        "upload": "Add article files (.txt, .md, .html)",
        "replace": "Replace files with the same name",
        "paste": "Paste an article",
        "paste_title": "Title",
        "paste_outlet": "Outlet",
        "paste_date": "Date (YYYY-MM-DD)",
        "paste_text": "Text",
        "add": "Add article",
        "articles": "Articles in the folder",
        "remove": "Remove article",
        "added": "Added {name}.",
        "replaced": "Replaced {name}.",
        "not_added": "Not added: {detail}",
        "removed": "Removed {name}.",
        "conversations": "Conversations",
        "saved": "Kept conversations",
        "open": "Open",
        "delete": "Delete",
        "export": "Export as Markdown",
        "exported": "Markdown file",
        "rebuilt": "{added} added, {updated} updated, {removed} removed, {unchanged} unchanged; {embedded} passages embedded in {seconds:.1f} s.",
        "rebuild_failed": "The rebuild failed: {detail}",
    },
    "ar": {
        "title": "اسأل المقالات",
        "subtitle": "اسأل بالعربية أو بالإنجليزية؛ كل إجابة تستشهد بالمقاطع التي بُنيت عليها.",
        "placeholder": "اكتب سؤالاً عن المقالات…",
        "send": "إرسال",
        "stop": "إيقاف",
        "new_chat": "محادثة جديدة",
        "sources": "المصادر",
        "sources_empty": "تظهر هنا المقاطع التي بُنيت عليها كل إجابة. انقر على [n] في الإجابة لعرض المقطع.",
        "cited": "مستشهد بها",
        "other": "مقاطع أخرى مسترجعة",
        "question": "السؤال",
        "index": "الفهرس",
        "rebuild": "إعادة بناء الفهرس",
        "examples": "أمثلة",
        "language": "لغة الواجهة",
        "drafting": "أفضل جملة داعمة، بينما يكتب النموذج إجابته…",
        "translating": "الجملة العربية التي تجيب، بينما يترجمها النموذج…",
        "checking": "الجملة التي تجيب، بينما يتحقق النموذج من أنها تجيب…",
        "choosing": "الجملة الأعلى ترتيباً، بينما يقرأ النموذج ما يليها ليختار الجملة التي تجيب…",
        "searching": "جارٍ البحث في المقالات…",
        "empty": "السؤال فارغ: اكتب سؤالاً عن المقالات.",
        "no_words": "لا يحتوي السؤال على كلمات أو أرقام للبحث عنها.",
        "index_problem": "لا يمكن استخدام الفهرس: {detail}",
        "failed": "حدث خطأ أثناء الإجابة: {detail}",
        "documents": "مقالات",
        "chunks": "مقاطع",
        "embedding": "التضمين",
        "model": "الإجابات",
        "built": "آخر بناء",
        "no_index": "لا يوجد فهرس بعد: ابنه بالزر أدناه.",
        "filters": "تصفية حسب المصدر والتاريخ",
        "outlets": "المصادر (كلها إن تُركت فارغة)",
        "since": "من (YYYY-MM-DD)",
        "until": "إلى (YYYY-MM-DD)",
        "filter_all": "يُبحث في كل المقالات ({total}){held}.",
        "held": "، المؤرخة من {first} إلى {last}",
        "filter_some": "{kept} من {total} مقالاً تطابق التصفية: استُبعد {left_out}{undated}.",
        "undated": " ({undated} منها بلا تاريخ)",
        "bad_filter": "تعذّر تطبيق التصفية: {detail}",
        "upload": "أضف ملفات مقالات (.txt، .md، .html)",
        "replace": "استبدل الملفات التي تحمل الاسم نفسه",
        "paste": "الصق مقالاً",
        "paste_title": "العنوان",
        "paste_outlet": "المصدر",
        "paste_date": "التاريخ (YYYY-MM-DD)",
        "paste_text": "النص",
        "add": "أضف المقال",
        "articles": "المقالات في المجلد",
        "remove": "احذف المقال",
        "added": "أُضيف {name}.",
        "replaced": "استُبدل {name}.",
        "not_added": "لم يُضف: {detail}",
        "removed": "حُذف {name}.",
        "conversations": "المحادثات",
        "saved": "المحادثات المحفوظة",
        "open": "افتح",
        "delete": "احذف",
        "export": "صدّر بصيغة Markdown",
        "exported": "ملف Markdown",
        "rebuilt": "أضيف {added}، حُدّث {updated}، حُذف {removed}، بلا تغيير {unchanged}؛ {embedded} مقطعاً في {seconds:.1f} ث.",
        "rebuild_failed": "فشلت إعادة البناء: {detail}",
    },
}

DIRECTION = {"ar": "rtl", "en": "ltr"}
# Markdown characters that would otherwise format or link user and article text.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-!|~>$])")


def text_for(language: str) -> dict[str, str]:
    return TEXT.get(language, TEXT["en"])


def escape(text: str) -> str:
    """Text that Markdown and HTML will show exactly as typed."""
    return _MARKDOWN.sub(r"\\\1", html.escape(text, quote=True))


def linked(text: str, turn: int) -> str:
    """Escaped text whose [n] markers (also "[1, 2]" and Arabic-Indic digits)
    are links to the passages in the sources panel."""
    out, last = [], 0
    for match in MARKER.finditer(text):
        out.append(escape(text[last : match.start()]))
        out += [f'<a class="rag-cite" href="#rag-src-{turn}-{n}">[{n}]</a>' for n in marker_numbers(match)]
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def message(
    text: str, language: str | None = None, turn: int | None = None, note: str = "", notices: list[str] | tuple = (), span: tuple[int, int] | None = None
) -> str:
    """One chat message: escaped text in a block of its own direction, the
    words that answer (`span`, offsets into text) in bold; `notices` already in
    the reader's language.

    Blank lines around the inner Markdown keep it Markdown inside the <div>.
    """
    language = language or detect_language(text)

    def body(part: str) -> str:
        return escape(part) if turn is None else linked(part, turn)

    if span and 0 <= span[0] < span[1] <= len(text):
        a, b = span
        parts = [f'{body(text[:a])}<b class="rag-span">{body(text[a:b])}</b>{body(text[b:])}']
    else:
        parts = [body(text)]
    if note:
        parts.insert(0, f'<span class="rag-note">{html.escape(note)}</span>')
    for notice in notices:
        parts.append(f'<span class="rag-notice">{html.escape(notice)}</span>')
    inner = "\n\n".join(parts)
    return f'<div class="rag-msg" dir="{DIRECTION.get(language, "auto")}" lang="{language}">\n\n{inner}\n\n</div>'


# --- the sources panel -----------------------------------------------------------


def highlighted(passage_text: str, passage_start: int, sentence: str, sentence_start: int, question: str = "") -> str:
    """The passage as escaped HTML with the supporting sentence in <mark>, and
    in it the number or date the question asks for in bold.

    Offsets are into the cleaned article; the passage starts at passage_start.
    """
    at = sentence_start - passage_start
    if not (sentence and at >= 0 and passage_text[at : at + len(sentence)] == sentence):
        at = passage_text.find(sentence) if sentence else -1
    if at < 0:
        return html.escape(passage_text)
    end = at + len(sentence)
    span = answer_span(sentence, question) if question else None
    marked = html.escape(sentence)
    if span:
        a, b = span
        marked = f'{html.escape(sentence[:a])}<b class="rag-span">{html.escape(sentence[a:b])}</b>{html.escape(sentence[b:])}'
    return html.escape(passage_text[:at]) + '<mark class="rag-hl">' + marked + "</mark>" + html.escape(passage_text[end:])


def _where(passage: Passage | Citation, path: str = "") -> str:
    bits = [passage.date, PurePath(path).name if path else passage.doc_id, passage.source]
    # <bdi>: a file name like "004_x.txt" must not be reordered inside Arabic text.
    return " · ".join(f"<bdi>{html.escape(b)}</bdi>" for b in bits if b)


def _source(turn: int, label: str, title: str, where: str, body_html: str, language: str, cited: bool) -> str:
    anchor = f' id="rag-src-{turn}-{label}"' if cited else ""
    return (
        f'<details class="rag-source{" rag-cited" if cited else ""}"{anchor} dir="{DIRECTION.get(language, "auto")}"'
        f"{' open' if cited else ''}>"
        f"<summary><b>{'[' + label + '] ' if cited else ''}{html.escape(title)}</b>"
        f'<span class="rag-where">{where}</span></summary>'
        f'<div class="rag-passage">{body_html}</div></details>'
    )


def turn_sources(turn: int, answer: Answer, ui_language: str, final: bool = True) -> str:
    """One answer's passages: the cited ones first (open, sentence highlighted),
    the other retrieved ones collapsed. final=False while a model still writes."""
    t = text_for(ui_language)
    paths = {p.chunk_id: p.path for p in answer.passages}
    cited_ids = {c.chunk_id for c in answer.citations}
    cited = [
        _source(
            turn,
            str(c.n),
            c.title,
            _where(c, paths.get(c.chunk_id, "")),
            highlighted(c.text, c.start, c.sentence, c.sentence_start, answer.question),
            detect_language(c.text),
            True,
        )
        for c in sorted(answer.citations, key=lambda c: c.n)
    ]
    others = [
        _source(turn, "", p.section_title or p.title, _where(p, p.path), html.escape(p.text), detect_language(p.text), False)
        for p in answer.passages
        if p.chunk_id not in cited_ids
    ]
    parts = [
        f'<div class="rag-turn" id="rag-turn-{turn}" data-turn="{turn}" data-final="{int(final)}" data-cited="{len(cited)}"'
        f' data-question="{html.escape(answer.question, quote=True)}">'
    ]
    parts.append(f'<div class="rag-question" dir="{DIRECTION.get(answer.language, "auto")}">{html.escape(answer.question)}</div>')
    if cited:
        parts.append(f'<div class="rag-heading">{html.escape(t["cited"])}</div>' + "".join(cited))
    if others:
        parts.append(f'<details class="rag-others"><summary>{html.escape(t["other"])} ({len(others)})</summary>{"".join(others)}</details>')
    parts.append("</div>")
    return "".join(parts)


def sources_panel(turns: list[str], ui_language: str) -> str:
    """Every answer's sources, the latest on top (older turns collapsed)."""
    t = text_for(ui_language)
    if not turns:
        return f'<div class="rag-sources" dir="{DIRECTION[ui_language]}"><p class="rag-empty">{html.escape(t["sources_empty"])}</p></div>'
    latest, *older = reversed(turns)
    folded = "".join(f'<details class="rag-older"><summary>{_question_of(block, t["question"])}</summary>{block}</details>' for block in older)
    return f'<div class="rag-sources" dir="{DIRECTION[ui_language]}" data-turns="{len(turns)}">{latest}{folded}</div>'


_QUESTION_ATTR = re.compile(r'data-question="([^"]*)"')


def _question_of(block: str, fallback: str) -> str:
    """An earlier turn's label: its question (escaped as it was stored), shortened."""
    found = _QUESTION_ATTR.search(block)
    question = html.unescape(found.group(1)) if found else fallback
    return html.escape(question if len(question) <= 80 else question[:79] + "…")


def filter_note(matched: Scope | None, total: int, held: tuple[str, str] | None, ui_language: str, problem: str = "") -> str:
    """Under the filter row: what a question will search (the index's date range, or
    how many articles the filter leaves out), or why the filter cannot apply."""
    t = text_for(ui_language)
    if problem:
        text = t["bad_filter"].format(detail=problem)
    elif matched is None:
        text = t["filter_all"].format(total=total, held=t["held"].format(first=held[0], last=held[1]) if held else "")
    else:
        undated = t["undated"].format(undated=matched.undated_left_out) if matched.undated_left_out else ""
        text = t["filter_some"].format(kept=len(matched.docs), total=matched.total, left_out=matched.left_out, undated=undated)
    return f'<div class="rag-filter-note" dir="{DIRECTION[ui_language]}">{html.escape(text)}</div>'


def status_html(status: dict | None, backend: str, ui_language: str) -> str:
    t = text_for(ui_language)
    if status is None:
        rows = [html.escape(t["no_index"])]
    else:
        rows = [
            f"{status['documents']} {t['documents']} · {status['chunks']} {t['chunks']}",
            f"{t['embedding']}: {html.escape(status['embedding'])}",
            f"{t['built']}: {html.escape(status['built'])}",
        ]
    rows.append(f"{t['model']}: {html.escape(backend)}")
    return f'<div class="rag-status" dir="{DIRECTION[ui_language]}">' + "<br>".join(rows) + "</div>"
