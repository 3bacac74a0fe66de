"""Conversations that last: kept in SQLite beside the index, listed, reopened,
deleted and exported as Markdown with their citations.

Each turn keeps the whole Answer (its citations, passages and notices), so a
reopened conversation shows the same chat and sources panel, and follow-ups
go on from it. With `rag serve --auth` each user sees only their own; without
a login there is one user, "".
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from rag.answer.schema import Answer
from rag.core.config import Settings

TITLE_CHARS = 80


@dataclass(frozen=True)
class Saved:
    id: str
    title: str  # the first question, shortened
    updated: float
    turns: int

    def label(self) -> str:
        return f"{self.title} · {time.strftime('%Y-%m-%d %H:%M', time.localtime(self.updated))}"


def store_path(settings: Settings) -> Path:
    return settings.index_dir / "conversations.sqlite"


class Conversations:
    """One SQLite file; a connection per call (Gradio runs handlers in threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.executescript(
                """
                CREATE TABLE IF NOT EXISTS conversations (
                    id TEXT PRIMARY KEY, user TEXT NOT NULL, title TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL);
                CREATE TABLE IF NOT EXISTS turns (
                    conversation TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
                    n INTEGER NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL, PRIMARY KEY (conversation, n));
                """
            )

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA foreign_keys = ON")
        return db

    def add_turn(self, conversation: str | None, user: str, question: str, answer: Answer) -> str:
        """Keep one question and its answer; starts a conversation when `conversation` is None
        (or not this user's). Returns the conversation's id."""
        now = time.time()
        with closing(self._connect()) as db, db:
            owned = conversation and db.execute("SELECT 1 FROM conversations WHERE id = ? AND user = ?", (conversation, user)).fetchone()
            if not owned:
                conversation = uuid.uuid4().hex
                title = " ".join(question.split())[:TITLE_CHARS]
                db.execute("INSERT INTO conversations VALUES (?, ?, ?, ?, ?)", (conversation, user, title, now, now))
            else:
                db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, conversation))
            n = db.execute("SELECT COUNT(*) FROM turns WHERE conversation = ?", (conversation,)).fetchone()[0]
            db.execute("INSERT INTO turns VALUES (?, ?, ?, ?)", (conversation, n, question, json.dumps(answer.to_dict(), ensure_ascii=False)))
        assert conversation is not None
        return conversation

    def listed(self, user: str) -> list[Saved]:
        """This user's conversations, the most recent first."""
        with closing(self._connect()) as db:
            rows = db.execute(
                "SELECT c.id, c.title, c.updated, COUNT(t.n) FROM conversations c LEFT JOIN turns t ON t.conversation = c.id"
                " WHERE c.user = ? GROUP BY c.id ORDER BY c.updated DESC",
                (user,),
            ).fetchall()
        return [Saved(*row) for row in rows]

    def turns(self, conversation: str, user: str) -> list[tuple[str, Answer]]:
        """(question, Answer) in order; empty when the conversation is not this user's."""
        with closing(self._connect()) as db:
            rows = db.execute(
                "SELECT t.question, t.answer FROM turns t JOIN conversations c ON c.id = t.conversation WHERE c.id = ? AND c.user = ? ORDER BY t.n",
                (conversation, user),
            ).fetchall()
        return [(question, Answer.from_dict(json.loads(answer))) for question, answer in rows]

    def delete(self, conversation: str, user: str) -> bool:
        with closing(self._connect()) as db, db:
            return db.execute("DELETE FROM conversations WHERE id = ? AND user = ?", (conversation, user)).rowcount > 0


def to_markdown(turns: list[tuple[str, Answer]], title: str = "Conversation") -> str:
    """A conversation as Markdown: each question, its answer, and the cited sentences
    with their article, outlet and date (pure)."""
    lines = [f"# {title}", ""]
    for question, answer in turns:
        lines += [f"## {question}", "", answer.text, ""]
        lines += [f"> {notice}" for notice in answer.notice_texts()]
        if answer.original:
            lines += [f"Original: {answer.original}", ""]
        for c in answer.citations:
            where = ", ".join(b for b in (c.source, c.date, c.doc_id) if b)
            lines += [f"[{c.n}] **{c.title}** ({where})", f"> {' '.join(c.sentence.split())}", ""]
    return "\n".join(lines).rstrip() + "\n"
