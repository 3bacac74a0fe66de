"""Driving the chat page in Debian's Chromium with Playwright: shared by the UI
tests and benchmarks/bench_ui.py (servers.start_rag_serve starts the app)."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = Path(os.environ.get("RAG_TEST_CHROMIUM", "/usr/bin/chromium"))
# Chromium's own network chatter is refused by a closed network; keep it quiet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ANSWER_TIMEOUT_MS = 300_000


def open_chat(context, url: str):
    """A new page with the chat rendered and every change of it recorded."""
    page = context.new_page()
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector("#rag-question textarea", state="visible", timeout=60_000)
    page.wait_for_selector("#rag-sources .rag-sources", timeout=60_000)
    page.evaluate(
        """() => {
        window.__updates = [];
        const record = () => {
            const bots = document.querySelectorAll('#rag-chat [data-testid="bot"]');
            const bot = bots.length ? bots[bots.length - 1] : null;
            const turn = document.querySelector('#rag-sources .rag-turn');
            const state = {
                text: bot ? bot.innerText : '',
                pending: !!(bot && bot.querySelector('.rag-note')),
                turn: turn ? Number(turn.id.split('-').pop()) : -1,
                final: turn ? turn.getAttribute('data-final') === '1' : false,
            };
            const seen = window.__updates;
            const last = seen[seen.length - 1];
            if (!last || last.text !== state.text || last.turn !== state.turn || last.final !== state.final)
                seen.push({t: performance.now(), ...state});
        };
        const watch = {subtree: true, childList: true, characterData: true, attributes: true};
        new MutationObserver(record).observe(document.querySelector('#rag-chat'), watch);
        new MutationObserver(record).observe(document.querySelector('#rag-sources'), watch);
    }"""
    )
    return page


def ask(page, question: str, turn: int) -> dict:
    """Type a question, press Enter, wait for the final answer.

    Returns the chat's recorded changes and, from pressing Enter: sources_ms (the
    sources panel and the extractive draft), first_token_ms (the first generated
    text), answer_ms (the checked final answer).
    """
    box = page.locator("#rag-question textarea")
    box.fill(question)
    started = page.evaluate("performance.now()")
    box.press("Enter")
    page.wait_for_selector(f'#rag-sources .rag-turn[id="rag-turn-{turn}"][data-final="1"]', timeout=ANSWER_TIMEOUT_MS)
    updates = [u for u in page.evaluate("window.__updates") if u["t"] >= started]

    def first(condition) -> float | None:
        return next((round(u["t"] - started) for u in updates if condition(u)), None)

    sources = first(lambda u: u["turn"] == turn)
    return {
        "updates": updates,
        "sources_ms": sources,
        "first_token_ms": first(lambda u: u["turn"] == turn and not u["final"] and not u["pending"]),
        "answer_ms": first(lambda u: u["turn"] == turn and u["final"]),
    }
