"""The chat UI: `rag serve`, a Gradio app over rag.app.api.

Data flows one way: a question goes to `api.ask(stream=True)`; its events
(rag.answer.events: Sources, Token, Restart, Final) are rendered by
`rag.app.render` into the chat and the sources panel. Per-user state (the
conversation, each answer's sources) lives in gr.State, never in this module.
"""

from __future__ import annotations

import logging
import sqlite3
import tempfile
import threading
from pathlib import Path

import gradio as gr

from rag.answer.events import Final, Token, follow
from rag.app import api, render
from rag.app.conversations import Conversations, store_path, to_markdown
from rag.core.config import Settings
from rag.core.models import ModelError
from rag.core.text import detect_language, has_letters
from rag.index.store import IndexProblem
from rag.ingest import upload
from rag.ingest.reader import SUPPORTED_SUFFIXES
from rag.search.filters import FilterError

log = logging.getLogger(__name__)

# The page's own events work but are not listed as API endpoints: the API is /ask.
INTERNAL = "undocumented"
# With --watch, how often the Index panel shows what the watcher indexed.
WATCH_REFRESH_S = 5.0

# Shown under the chat; none of them is from the evaluation questions.
EXAMPLES = [
    "من هو المتحدث باسم الكرملين الذي علق على الاتهامات الغربية؟",
    "How many civilians did Ukrainian officials say were killed in Kryvyi Rih?",
    "كم كيلومتراً يبعد مستودع الذخيرة عن الحدود الأوكرانية؟",
    "Who met the North Korean leader in Pyongyang?",
]

# Gradio puts an inline `text-align: left` on messages, so `start` must win with
# !important; `unicode-bidi: plaintext` lets each paragraph take the direction of
# its own first strong letter (an Arabic answer quoting an English name, a list).
CSS = """
.rag-msg, .rag-msg p, .rag-msg li { unicode-bidi: plaintext; text-align: start !important; }
.rag-msg[lang=ar], .rag-source[dir=rtl], .rag-question[dir=rtl] {
  font-family: "Noto Sans Arabic", "Noto Naskh Arabic", "Noto Sans", system-ui, sans-serif; line-height: 1.8; }
.rag-msg .rag-note, .rag-msg .rag-notice { display: block; font-size: 0.85em; opacity: 0.75; font-style: italic; }
a.rag-cite { text-decoration: none; font-weight: 600; padding: 0 1px; cursor: pointer; }
.rag-sources { max-height: 70vh; overflow-y: auto; }
.rag-source { border: 1px solid var(--border-color-primary); border-radius: 6px; margin: 6px 0; padding: 4px 8px; }
.rag-source summary { cursor: pointer; }
.rag-where { display: block; font-size: 0.8em; opacity: 0.7; }
.rag-passage { white-space: pre-wrap; unicode-bidi: plaintext; text-align: start; margin-top: 4px; }
mark.rag-hl { background: #fde68a; color: inherit; padding: 0 2px; }
.rag-flash { outline: 3px solid #f59e0b; transition: outline 0.3s; }
.rag-heading { font-weight: 600; margin-top: 4px; }
.rag-question { font-style: italic; opacity: 0.8; }
.rag-older, .rag-others { margin-top: 8px; }
"""

# A [n] in an answer opens its passage in the sources panel (capture phase: before
# Gradio's own link handling, which would open a new tab).
HEAD = """
<script>
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a.rag-cite");
  if (!link) return;
  event.preventDefault();
  event.stopPropagation();
  // The chat's sanitizer drops data-* attributes; the href names the passage.
  const source = document.getElementById(link.getAttribute("href").slice(1));
  if (!source) return;
  for (let el = source; el; el = el.parentElement) if (el.tagName === "DETAILS") el.open = true;
  source.scrollIntoView({ behavior: "smooth", block: "center" });
  source.classList.remove("rag-flash");
  void source.offsetWidth;
  source.classList.add("rag-flash");
}, true);
</script>
"""

LANGUAGE_CHOICES = [("Auto", "auto"), ("English", "en"), ("العربية", "ar")]


def ui_language(question: str, choice: str, current: str) -> str:
    """The interface follows the question's language unless the user chose one."""
    if choice in render.TEXT:
        return choice
    return detect_language(question) if has_letters(question) else current


def concurrency(settings: Settings) -> int:
    """Answers generated at once: the one local model answers one at a time."""
    if settings.ui_concurrency > 0:
        return settings.ui_concurrency
    return 1 if settings.llm == "local" else 4


class ChatApp:
    """The event handlers. They share the read-only settings and the conversation store;
    everything per user (the chat, its sources) lives in the page's gr.State."""

    def __init__(self, settings: Settings, backend: str) -> None:
        self.settings = settings
        self.backend = backend
        self.saved = Conversations(store_path(settings))
        self.exports = Path(tempfile.mkdtemp(prefix="rag-export-"))  # one folder per server, a file per conversation

    def respond(
        self,
        question: str,
        chat: list,
        history: list,
        turns: list,
        language: str,
        outlets=None,
        since: str = "",
        until: str = "",
        conversation: str | None = None,
        request: gr.Request | None = None,
    ):
        """Stream one answer: (chat, history, turns, sources panel, conversation id) after each
        step; the final answer is kept in the conversation store."""
        chat = list(chat or [])
        history = list(history or [])
        turns = list(turns or [])
        t = render.text_for(language)
        try:  # checks the question and the filter before anything is searched
            pairs = [tuple(pair) for pair in history]
            events = api.ask(question, history=pairs, stream=True, settings=self.settings, sources=outlets, since=since, until=until)
        except (api.QuestionError, FilterError, IndexProblem) as exc:
            if isinstance(exc, api.EmptyQuestionError):
                shown, message = [], t["empty"]
            elif isinstance(exc, api.QuestionError):
                shown, message = [_user(question)], t["no_words"]
            elif isinstance(exc, FilterError):
                shown, message = [_user(question)], t["bad_filter"].format(detail=exc)
            else:
                shown, message = [_user(question)], t["index_problem"].format(detail=exc)
            yield chat + shown + [_assistant(render.message(message, language))], history, turns, gr.skip(), conversation
            return
        turn = len(turns)
        chat += [_user(question), _assistant(render.message("", language, note=t["searching"]))]
        yield chat, history, turns, gr.skip(), conversation
        try:
            for event, streamed in follow(events):
                if isinstance(event, Token):
                    chat[-1] = _assistant(render.message(streamed, None, turn))
                    yield chat, history, turns, gr.skip(), conversation
                    continue
                answer = event.answer
                if isinstance(event, Final):
                    turns = turns + [render.turn_sources(turn, answer, language)]
                    chat[-1] = _assistant(render.message(answer.text, answer.language, turn, notices=answer.notice_texts(), span=answer.span))
                    history.append([question, answer.text])
                    conversation = self.keep(conversation, request, question, answer)
                    yield chat, history, turns, render.sources_panel(turns, language), conversation
                else:  # Sources or Restart: the verified answer while the model writes or translates
                    note = render.text_for(answer.language)["drafting" if event.pending == "writing" else event.pending]
                    chat[-1] = _assistant(render.message(answer.text, answer.language, turn, note=note, span=answer.span))
                    drafts = turns + [render.turn_sources(turn, answer, language, final=False)]
                    yield chat, history, turns, render.sources_panel(drafts, language), conversation
        except IndexProblem as exc:
            chat[-1] = _assistant(render.message(t["index_problem"].format(detail=exc), language))
            yield chat, history, turns, gr.skip(), conversation
        except Exception as exc:  # the UI shows a message, never a traceback
            log.exception("answering failed")
            chat[-1] = _assistant(render.message(t["failed"].format(detail=f"{type(exc).__name__}: {exc}"), language))
            yield chat, history, turns, gr.skip(), conversation

    def ask(self, question: str, history: list | None = None, sources: list[str] | None = None, since: str = "", until: str = "") -> dict:
        """Answer a question from the articles, with numbered citations (the
        HTTP API: gradio_client's predict(question, history, api_name="/ask")).
        history: earlier [question, answer] pairs, for follow-up questions;
        sources, since, until: only these outlets, only articles dated YYYY-MM-DD within the bounds."""
        try:
            data = api.ask(question, history=history or None, settings=self.settings, sources=sources, since=since, until=until).to_dict()
        except (api.QuestionError, FilterError, IndexProblem) as exc:
            # The caller's mistake, said to the caller: no traceback in the server's log.
            raise gr.Error(str(exc), print_exception=False) from exc
        for passage in data["passages"]:
            # gradio_client downloads any {"path": ...} as a file; the article's
            # file name is called "file" here.
            passage["file"] = passage.pop("path")
        return data

    def status(self, language: str) -> str:
        return render.status_html(api.index_status(self.settings), self.backend, language)

    def outlets(self) -> list[str]:
        return api.outlets_held(self.settings)

    def filter_note(self, outlets, since: str, until: str, language: str) -> str:
        """What the next question will search, under the filter row."""
        try:
            matched, total, held = api.filter_scope(outlets, since, until, self.settings)
        except (FilterError, IndexProblem) as exc:
            return render.filter_note(None, 0, None, language, problem=str(exc))
        return render.filter_note(matched, total, held, language)

    def rebuild(self, language: str, progress=gr.Progress(track_tqdm=True)):  # noqa: B008 (how Gradio injects a progress bar)
        """The same incremental indexer as `rag index`; tqdm drives the progress bar."""
        return self._reindex(language, [])

    def _reindex(self, language: str, lines: list[str]) -> tuple:
        """Index what changed in the folder, then (status, message, outlets, articles) for the page."""
        t = render.text_for(language)
        try:
            stats = api.build_index(settings=self.settings, progress=True)
            lines.append(t["rebuilt"].format(**stats.counts()))
        except Exception as exc:  # a broken folder or a locked index is a message
            log.exception("rebuild failed")
            lines.append(t["rebuild_failed"].format(detail=exc))
        message = "".join(render.message(line, language) for line in lines)
        return self.status(language), message, gr.update(choices=self.outlets()), gr.update(choices=self.articles(), value=None)

    def keep(self, conversation: str | None, request: gr.Request | None, question: str, answer) -> str | None:
        try:
            return self.saved.add_turn(conversation, _user_of(request), question, answer)
        except sqlite3.Error:  # a read-only or full disk must not cost the answer
            log.exception("could not keep the conversation")
            return conversation

    def saved_choices(self, request: gr.Request | None = None):
        return gr.update(choices=[(c.label(), c.id) for c in self.saved.listed(_user_of(request))], value=None)

    def reopen(self, conversation: str | None, language: str, request: gr.Request | None = None):
        """A kept conversation back in the chat and the sources panel; follow-ups go on from it."""
        kept = self.saved.turns(conversation, _user_of(request)) if conversation else []
        if not kept:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        chat, history, turns = [], [], []
        for n, (question, answer) in enumerate(kept):
            chat += [_user(question), _assistant(render.message(answer.text, answer.language, n, notices=answer.notice_texts(), span=answer.span))]
            history.append([question, answer.text])
            turns.append(render.turn_sources(n, answer, language))
        return chat, history, turns, render.sources_panel(turns, language), conversation

    def forget(self, conversation: str | None, current: str | None, request: gr.Request | None = None):
        """Delete a kept conversation; the chat on the page stays (it is no longer kept)."""
        if conversation:
            self.saved.delete(conversation, _user_of(request))
        return self.saved_choices(request), None if conversation == current else current

    def export(self, conversation: str | None, request: gr.Request | None = None) -> str | None:
        """The conversation as a Markdown file to download."""
        kept = self.saved.turns(conversation, _user_of(request)) if conversation else []
        if not conversation or not kept:
            return None
        path = self.exports / conversation / upload.safe_name(kept[0][0][:60], ".md")
        path.parent.mkdir(exist_ok=True)
        path.write_text(to_markdown(kept, kept[0][0]), encoding="utf-8")
        return str(path)

    def articles(self) -> list[str]:
        return upload.articles(self.settings.seeds_dir)

    def add_files(self, files: list | None, replace: bool, language: str, progress=gr.Progress(track_tqdm=True)):  # noqa: B008
        """Uploaded files into the articles folder (each checked first), then an incremental index."""
        t = render.text_for(language)
        lines = []
        for file in files or []:
            path = Path(file if isinstance(file, str) else file.name)  # Gradio keeps the uploaded file's own name
            try:
                added = upload.add_file(self.settings.seeds_dir, path.name, path.read_bytes(), replace, self.settings.max_file_mb)
                lines.append(t["replaced" if added.replaced else "added"].format(name=added.name))
            except upload.UploadError as exc:
                lines.append(t["not_added"].format(detail=exc))
        return (*self._reindex(language, lines), None)

    def add_pasted(self, title: str, outlet: str, date: str, text: str, language: str, progress=gr.Progress(track_tqdm=True)):  # noqa: B008
        t = render.text_for(language)
        try:
            added = upload.add_text(self.settings.seeds_dir, title, text, outlet, date)
        except upload.UploadError as exc:
            return (gr.skip(), render.message(t["not_added"].format(detail=exc), language), gr.skip(), gr.skip(), gr.skip())
        return (*self._reindex(language, [t["added"].format(name=added.name)]), "")

    def remove_article(self, name: str | None, language: str, progress=gr.Progress(track_tqdm=True)):  # noqa: B008
        t = render.text_for(language)
        if not name:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        try:
            upload.remove(self.settings.seeds_dir, name)
        except upload.UploadError as exc:
            return gr.skip(), render.message(t["not_added"].format(detail=exc), language), gr.skip(), gr.skip()
        return self._reindex(language, [t["removed"].format(name=name)])


def _user_of(request: gr.Request | None) -> str:
    """Whose conversations: the login with --auth, else the one local user ""."""
    return (getattr(request, "username", None) or "") if request is not None else ""


def _user(question: str) -> dict:
    return {"role": "user", "content": render.message(question)}


def _assistant(content: str) -> dict:
    return {"role": "assistant", "content": content}


def _start_watching(settings: Settings) -> None:
    from rag.index.watch import watch

    def built(stats) -> None:
        print(f"re-indexed: {stats.added} added, {stats.updated} updated, {stats.removed} removed ({stats.seconds:.1f} s)", flush=True)

    def failed(exc: Exception) -> None:
        log.error("re-indexing failed: %s", exc)

    # A daemon thread: it ends with the server. The Engine reads the new index
    # state on the next question.
    threading.Thread(target=watch, args=(settings, built, failed), name="rag-watch", daemon=True).start()
    print(f"Watching {settings.seeds_dir} for added, changed and removed articles.", flush=True)


def build_app(settings: Settings, backend: str, refresh_s: float = 0) -> gr.Blocks:
    """The chat page. refresh_s > 0 (rag serve --watch): the Index panel and the
    outlet list refresh that often, to show what the watcher indexed."""
    app = ChatApp(settings, backend)
    t = render.TEXT["en"]
    # Offline by design: no telemetry or version-check calls.
    with gr.Blocks(title="Ask the articles · اسأل المقالات", analytics_enabled=False) as demo:
        language = gr.State("en")
        history = gr.State([])
        turns = gr.State([])
        pending = gr.State("")
        conversation = gr.State(None)  # the kept conversation's id, once it has an answer
        with gr.Row():
            header = gr.Markdown(_header("en"), elem_id="rag-header")
            choice = gr.Radio(LANGUAGE_CHOICES, value="auto", label=t["language"], elem_id="rag-language", scale=0, min_width=260)
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(elem_id="rag-chat", height=560, layout="panel", buttons=["copy"], feedback_options=None, show_label=False)
                with gr.Row():
                    box = gr.Textbox(placeholder=t["placeholder"], show_label=False, elem_id="rag-question", scale=5, max_lines=6, autofocus=True, rtl=False)
                    send = gr.Button(t["send"], variant="primary", elem_id="rag-send", scale=0, min_width=90)
                    stop = gr.Button(t["stop"], elem_id="rag-stop", scale=0, min_width=80)
                    new_chat = gr.Button(t["new_chat"], elem_id="rag-new", scale=0, min_width=110)
                with gr.Accordion(t["filters"], open=False, elem_id="rag-filters") as filter_box:
                    with gr.Row():
                        outlets = gr.Dropdown(app.outlets(), value=[], multiselect=True, label=t["outlets"], elem_id="rag-outlets", scale=2)
                        since = gr.Textbox(label=t["since"], elem_id="rag-since", max_lines=1, scale=1)
                        until = gr.Textbox(label=t["until"], elem_id="rag-until", max_lines=1, scale=1)
                    filter_note = gr.HTML(app.filter_note([], "", "", "en"), elem_id="rag-filter-note")
                gr.Examples(EXAMPLES, inputs=[box], label=t["examples"])
            with gr.Column(scale=2):
                sources_title = gr.Markdown(f"### {t['sources']}")
                sources = gr.HTML(render.sources_panel([], "en"), elem_id="rag-sources")
                with gr.Accordion(t["conversations"], open=False, elem_id="rag-conversations") as saved_box:
                    saved_list = gr.Dropdown([], value=None, label=t["saved"], elem_id="rag-saved")
                    with gr.Row():
                        open_saved = gr.Button(t["open"], size="sm", elem_id="rag-open")
                        delete_saved = gr.Button(t["delete"], size="sm", elem_id="rag-delete")
                        export_saved = gr.Button(t["export"], size="sm", elem_id="rag-export")
                    exported = gr.File(label=t["exported"], elem_id="rag-exported", interactive=False)
                with gr.Accordion(t["index"], open=False) as index_box:
                    status = gr.HTML(app.status("en"), elem_id="rag-status")
                    rebuild = gr.Button(t["rebuild"], elem_id="rag-rebuild", size="sm")
                    rebuild_result = gr.HTML(elem_id="rag-rebuild-result")
                    files = gr.File(label=t["upload"], file_count="multiple", file_types=list(SUPPORTED_SUFFIXES), elem_id="rag-upload")
                    replace = gr.Checkbox(label=t["replace"], value=False, elem_id="rag-replace")
                    with gr.Accordion(t["paste"], open=False, elem_id="rag-paste") as paste_box:
                        paste_title = gr.Textbox(label=t["paste_title"], max_lines=1, elem_id="rag-paste-title")
                        with gr.Row():
                            paste_outlet = gr.Textbox(label=t["paste_outlet"], max_lines=1, elem_id="rag-paste-outlet")
                            paste_date = gr.Textbox(label=t["paste_date"], max_lines=1, elem_id="rag-paste-date")
                        paste_text = gr.Textbox(label=t["paste_text"], lines=6, elem_id="rag-paste-text")
                        paste_add = gr.Button(t["add"], size="sm", elem_id="rag-paste-add")
                    with gr.Row():
                        article_list = gr.Dropdown(app.articles(), value=None, label=t["articles"], elem_id="rag-articles", scale=3)
                        remove_button = gr.Button(t["remove"], size="sm", elem_id="rag-remove", scale=1)

        labelled = [box, send, stop, new_chat, sources_title, index_box, rebuild, header, status, filter_box, outlets, since, until]
        # Labels of the Index panel's article controls, in the same order as their TEXT keys.
        adding = {files: "upload", replace: "replace", paste_box: "paste", paste_title: "paste_title", paste_outlet: "paste_outlet"}
        adding |= {paste_date: "paste_date", paste_text: "paste_text", article_list: "articles"}
        labelled += [*adding, paste_add, remove_button]
        saving = {saved_box: "conversations", saved_list: "saved", exported: "exported"}
        labelled += [*saving, open_saved, delete_saved, export_saved]
        chosen = [outlets, since, until]  # the filter

        def relabel(lang: str, clear: bool) -> list:
            tx = render.text_for(lang)
            box_update = (
                gr.update(placeholder=tx["placeholder"], rtl=lang == "ar", value="") if clear else gr.update(placeholder=tx["placeholder"], rtl=lang == "ar")
            )
            return [
                box_update,
                gr.update(value=tx["send"]),
                gr.update(value=tx["stop"]),
                gr.update(value=tx["new_chat"]),
                f"### {tx['sources']}",
                gr.update(label=tx["index"]),
                gr.update(value=tx["rebuild"]),
                _header(lang),
                app.status(lang),
                gr.update(label=tx["filters"]),
                gr.update(label=tx["outlets"]),
                gr.update(label=tx["since"]),
                gr.update(label=tx["until"]),
                *(gr.update(label=tx[key]) for key in adding.values()),
                gr.update(value=tx["add"]),
                gr.update(value=tx["remove"]),
                *(gr.update(label=tx[key]) for key in saving.values()),
                gr.update(value=tx["open"]),
                gr.update(value=tx["delete"]),
                gr.update(value=tx["export"]),
            ]

        def take(question: str, picked: str, current: str, sources: list, first: str, last: str) -> list:
            """Move the question out of the box and set the interface language."""
            lang = ui_language(question or "", picked, current)
            return [question, lang, *relabel(lang, clear=True), app.filter_note(sources, first, last, lang)]

        def pick(picked: str, current: str, sources: list, first: str, last: str) -> list:
            lang = picked if picked in render.TEXT else current
            return [lang, *relabel(lang, clear=False), app.filter_note(sources, first, last, lang)]

        limit = concurrency(settings)
        events = [
            trigger(take, [box, choice, language, *chosen], [pending, language, *labelled, filter_note], queue=False, api_visibility=INTERNAL).then(
                app.respond,
                [pending, chat, history, turns, language, *chosen, conversation],
                [chat, history, turns, sources, conversation],
                concurrency_limit=limit,
                concurrency_id="answer",
                api_visibility=INTERNAL,
            )
            for trigger in (box.submit, send.click)
        ]
        gr.api(app.ask, api_name="ask", concurrency_limit=limit, concurrency_id="answer")
        stop.click(None, None, None, cancels=events)
        for answered in events:
            answered.then(app.saved_choices, None, [saved_list], queue=False, api_visibility=INTERNAL)
        demo.load(app.saved_choices, None, [saved_list], queue=False, api_visibility=INTERNAL)
        open_saved.click(app.reopen, [saved_list, language], [chat, history, turns, sources, conversation], queue=False, api_visibility=INTERNAL)
        delete_saved.click(app.forget, [saved_list, conversation], [saved_list, conversation], queue=False, api_visibility=INTERNAL)
        export_saved.click(app.export, [saved_list], [exported], queue=False, api_visibility=INTERNAL)
        new_chat.click(
            lambda lang: ([], [], [], render.sources_panel([], lang), None),
            [language],
            [chat, history, turns, sources, conversation],
            queue=False,
            cancels=events,
            api_visibility=INTERNAL,
        )
        choice.change(pick, [choice, language, *chosen], [language, *labelled, filter_note], queue=False, api_visibility=INTERNAL)
        # Every change to the folder goes through one queue: one index update at a time.
        indexed = [status, rebuild_result, outlets, article_list]
        for done in (
            rebuild.click(app.rebuild, [language], indexed, concurrency_limit=1, concurrency_id="rebuild", api_visibility=INTERNAL),
            files.upload(app.add_files, [files, replace, language], [*indexed, files], concurrency_limit=1, concurrency_id="rebuild", api_visibility=INTERNAL),
            paste_add.click(
                app.add_pasted,
                [paste_title, paste_outlet, paste_date, paste_text, language],
                [*indexed, paste_text],
                concurrency_limit=1,
                concurrency_id="rebuild",
                api_visibility=INTERNAL,
            ),
            remove_button.click(app.remove_article, [article_list, language], indexed, concurrency_limit=1, concurrency_id="rebuild", api_visibility=INTERNAL),
        ):
            done.then(app.filter_note, [*chosen, language], [filter_note], queue=False, api_visibility=INTERNAL)
        if refresh_s:
            timer = gr.Timer(refresh_s)
            timer.tick(lambda lang: (app.status(lang), gr.update(choices=app.outlets())), [language], [status, outlets], queue=False, api_visibility=INTERNAL)
        for field in (outlets, since, until):
            field.change(app.filter_note, [*chosen, language], [filter_note], queue=False, api_visibility=INTERNAL)
    return demo


def _header(language: str) -> str:
    t = render.text_for(language)
    return f'<div dir="{render.DIRECTION[language]}">\n\n## {t["title"]}\n{t["subtitle"]}\n\n</div>'


def theme() -> gr.themes.Base:
    # System fonts only: a Google font would be fetched from the internet.
    return gr.themes.Soft(
        font=["Noto Sans", "Noto Sans Arabic", "system-ui", "sans-serif"],
        font_mono=["Noto Sans Mono", "ui-monospace", "monospace"],
    )


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, auth: tuple[str, str] | None = None, share: bool = False, watch: bool = False) -> None:
    """Build the index if needed, load the model, then serve the chat until
    interrupted; with `watch`, re-index as articles are added, changed or removed."""
    api.build_first(settings, lambda message: print(message, flush=True), progress=True)
    try:
        backend = api.warm_up(settings)
    except ModelError as exc:
        backend = f"none (unavailable: {exc})"
    demo = build_app(settings, backend, refresh_s=WATCH_REFRESH_S if watch else 0)
    demo.queue(default_concurrency_limit=concurrency(settings), max_size=64)
    print(f"Answers: {backend}", flush=True)
    if watch:
        _start_watching(settings)
    demo.launch(
        server_name=host,
        server_port=port,
        auth=auth,
        share=share,
        css=CSS,
        head=HEAD,
        theme=theme(),
        show_error=False,
    )
