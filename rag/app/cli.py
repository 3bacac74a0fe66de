"""`rag` command line: index, search, chat, eval, status. It only calls rag.app.api."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import textwrap
from pathlib import Path

from rag.answer.events import Final, Restart, Token, follow
from rag.answer.schema import Answer
from rag.answer.spans import bold_span
from rag.app import api
from rag.app.conversations import to_markdown
from rag.app.evaluation import EvalFileError, format_table, load_questions, run_answer_eval, run_retrieval_eval
from rag.core.config import Settings
from rag.index.embeddings import EmbeddingServerError
from rag.index.store import IndexProblem, read_manifest


class UsageError(Exception):
    pass


def _print_passages(passages, stream=sys.stdout) -> None:
    if not passages:
        print("No passages found.", file=stream)
    for n, p in enumerate(passages, 1):
        appended = p.section_kind == "appended"
        where = " · ".join(b for b in (p.source, p.date, f"{p.doc_id} §{p.section}") if b) + (" (another story on the page)" if appended else "")
        title = p.section_title if appended and p.section_title else p.title
        print(f"[{n}] {p.score:.3f}  {where}  [{p.retriever}]  {title}", file=stream)
        body = " ".join(p.text.split())
        print(textwrap.indent(textwrap.fill(body[:400] + ("…" if len(body) > 400 else ""), 100), "    "), file=stream)


def cmd_index(args, settings: Settings) -> int:
    stats = api.build_index(full=args.full, settings=settings, progress=not args.quiet and sys.stderr.isatty())
    _print_stats(stats, args.json)
    if args.watch:
        from rag.index.watch import watch

        print(f"Watching {settings.seeds_dir} for added, changed and removed articles (Ctrl-C stops).", file=sys.stderr, flush=True)
        with contextlib.suppress(KeyboardInterrupt):  # the way to stop watching
            watch(settings, lambda built: _print_stats(built, args.json), lambda exc: print(f"error: {exc}", file=sys.stderr, flush=True))
    return 0


def _print_stats(stats, as_json: bool) -> None:
    for problem in stats.problems:
        print(f"warning: {problem}", file=sys.stderr)
    if as_json:
        print(json.dumps(stats.counts()), flush=True)
    else:
        print(
            f"{stats.added} added, {stats.updated} updated, {stats.removed} removed, {stats.unchanged} unchanged; "
            f"{stats.chunks} chunks in the index, {stats.embedded} embedded in {stats.seconds:.1f} s",
            flush=True,
        )


def _index_first(settings: Settings) -> None:
    """The commands that read build a missing (or outdated) index first, saying so."""
    api.build_first(settings, lambda message: print(message, file=sys.stderr, flush=True), progress=sys.stderr.isatty())


def cmd_search(args, settings: Settings) -> int:
    _index_first(settings)
    passages = api.retrieve(" ".join(args.question), k=args.k, settings=settings, **_filters(args))
    if args.json:
        print(json.dumps([p.to_dict() for p in passages], ensure_ascii=False, indent=1))
    else:
        _print_passages(passages)
    return 0


def _print_answer(answer, stream=sys.stdout, streamed: str = "") -> None:
    """The final answer (unless it is exactly what was streamed), notices and sources."""
    if answer.text.strip() != streamed.strip():
        if streamed:
            print("\n(checked answer)", file=stream)
        print(bold_span(answer.text, answer.span, ("\033[1m", "\033[0m")) if stream.isatty() else answer.text, file=stream)
    else:
        print(file=stream)
    for notice in answer.notice_texts():
        print(f"note: {notice}", file=stream)
    if answer.translated:
        print(f"original: {answer.original}", file=stream)
    if answer.citations:
        print("\nSources:", file=stream)
        for c in answer.citations:
            where = " · ".join(b for b in (c.source, c.date, c.doc_id) if b)
            print(f"[{c.n}] {c.title} ({where})", file=stream)
            print(textwrap.indent(textwrap.fill(" ".join(c.sentence.split()), 100), "    "), file=stream)


def _filters(args) -> dict:
    """--source/--since/--until as keyword arguments of api.ask and api.retrieve."""
    return {"sources": args.source, "since": args.since, "until": args.until}


def _ask_streaming(question: str, settings: Settings, history=None, filters: dict | None = None):
    streamed = ""
    for event, streamed in follow(api.ask(question, history=history, stream=True, settings=settings, **(filters or {}))):
        match event:
            case Token(text=piece):
                print(piece, end="", flush=True)
            case Restart(pending="writing"):
                print("\n(not supported by the passages; trying again)", flush=True)
            case Restart(pending="translating"):
                print("\n(translating the supporting sentence)", flush=True)
            case Final(answer=answer):
                _print_answer(answer, streamed=streamed)
                return answer
    raise RuntimeError("the answer stream ended without a final answer")


def cmd_ask(args, settings: Settings) -> int:
    question = " ".join(args.question)
    _index_first(settings)
    if args.json:
        answer = api.ask(question, settings=settings, **_filters(args))
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=1))
    else:
        _ask_streaming(question, settings, filters=_filters(args))
    return 0


def cmd_chat(args, settings: Settings) -> int:
    _index_first(settings)
    print(f"Ask about the articles in Arabic or English; follow-up questions work. (answers: {api.backend_name(settings)})")
    print("An empty line or Ctrl-D quits." + (f" The conversation is written to {args.export} then." if args.export else "") + "\n")
    turns: list[tuple[str, Answer]] = []
    while True:
        try:
            question = input("? ")
        except (EOFError, KeyboardInterrupt):
            print()
            break
        if not question.strip():
            break
        try:
            answer = _ask_streaming(question, settings, [(q, a.text) for q, a in turns])
            turns.append((question, answer))
        except api.QuestionError as exc:
            print(exc)
        print()
    if args.export and turns:
        Path(args.export).write_text(to_markdown(turns, turns[0][0]), encoding="utf-8")
        print(f"conversation written to {args.export}")
    return 0


def cmd_eval(args, settings: Settings) -> int:
    questions = load_questions(Path(args.questions))
    _index_first(settings)
    manifest = read_manifest(settings)
    assert manifest is not None  # built above
    llm = "none" if args.retrieval_only else api.backend_name(settings)
    config = {"embedding": manifest.embedding, "retrieval": settings.retrieval, "llm": llm}
    report = run_retrieval_eval(
        questions, lambda q, k: api.retrieve(q, k=k, settings=settings), config, settings.top_k, lambda q, ps: api.rank_sentences(q, ps, settings)
    )
    if not args.retrieval_only:
        answers, rows, latency = run_answer_eval(
            questions, lambda q, history=None: api.ask(q, history=history, settings=settings), progress=sys.stderr.isatty()
        )
        report["answers"] = answers
        report["latency_ms"].update(latency)
        by_id = {r["id"]: r for r in rows}
        for item in report["per_question"]:
            row = by_id[item["id"]]
            item.update({k: row[k] for k in ("answer", "cited", "abstained", "correct", "extractive", "notices", "timings")})
    print(format_table(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"report written to {args.json}")
    return 0


def cmd_status(args, settings: Settings) -> int:
    status = api.index_status(settings)
    if status is None:
        print(f"No index in {settings.index_dir} yet. Build it with: rag index")
        return 1
    shown = {k: ", ".join(v) if isinstance(v, list) else v for k, v in status.items()}
    print(json.dumps(status, ensure_ascii=False) if args.json else "\n".join(f"{k}: {v}" for k, v in shown.items()))
    return 0


def cmd_serve(args, settings: Settings) -> int:
    auth = None
    if args.auth:
        user, sep, password = args.auth.partition(":")
        if not (sep and user and password):
            raise UsageError("--auth takes USER:PASSWORD")
        auth = (user, password)
    if args.host not in ("127.0.0.1", "localhost", "::1") and auth is None:
        print(f"warning: serving on {args.host} without --auth: anyone who can reach it can use it", file=sys.stderr)
    from rag.app.ui import serve  # Gradio is slow to import; only this command needs it

    serve(settings, host=args.host, port=args.port, auth=auth, share=args.share == "on", watch=args.watch)
    return 0


def _add_filter_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source", action="append", metavar="OUTLET", help="only articles from this outlet (repeatable; `rag status` lists them)")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="only articles dated on or after this day")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="only articles dated on or before this day")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description="Ask Arabic or English questions about news articles.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="build or update the index from the articles folder")
    p.add_argument("--full", action="store_true", help="rebuild from scratch")
    p.add_argument("--json", action="store_true", help="print the counts as one JSON line")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--watch", action="store_true", help="then keep the index in step with the folder as articles are added, changed or removed")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("search", help="show the passages that best match a question")
    p.add_argument("question", nargs="+")
    p.add_argument("-k", type=int, default=None, help="number of passages (default: RAG_TOP_K or 5)")
    p.add_argument("--json", action="store_true")
    _add_filter_arguments(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="answer a question with cited sources")
    p.add_argument("question", nargs="+")
    p.add_argument("--json", action="store_true", help="print the whole Answer as JSON")
    _add_filter_arguments(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="interactive session in the terminal, with follow-up questions")
    p.add_argument("--export", metavar="FILE.md", help="write the conversation, its citations and cited sentences, as Markdown when it ends")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("serve", help="the chat UI in the browser (Gradio), on 127.0.0.1 by default")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--auth", metavar="USER:PASSWORD", help="ask for this login")
    p.add_argument("--share", choices=["off", "on"], default="off", help="a public gradio.live link (needs the internet)")
    p.add_argument("--watch", action="store_true", help="re-index a few seconds after articles are added, changed or removed")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("eval", help="score retrieval on a question file (eval/README.md)")
    p.add_argument("questions")
    p.add_argument("--json", metavar="OUT", help="write the JSON report here")
    p.add_argument("--retrieval-only", action="store_true", help="skip answer generation")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("status", help="what the index holds")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        return args.func(args, settings)
    except (api.QuestionError, IndexProblem, EvalFileError, UsageError, FileNotFoundError, ValueError, EmbeddingServerError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`rag ask ... | head`): nothing more to say. Point
        # stdout at /dev/null so Python's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
