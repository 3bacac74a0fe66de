"""The watched folder: `rag index --watch` keeps the index in step as articles come and go."""

import json
import signal
import subprocess
import sys
import time

import pytest

from rag.app import api
from rag.index.watch import is_article
from tests.conftest import copy_seeds, make_settings, rag_env
from tests.servers import start_rag_serve, stop, stoppable


@pytest.mark.parametrize(
    "path, article",
    [
        ("seeds/new.txt", True),
        ("seeds/sub/تقرير.md", True),
        ("seeds/page.HTML", True),
        ("seeds/.new.txt.swp", False),
        ("seeds/~draft.txt", False),
        ("seeds/new.txt~", False),
        ("seeds/photo.jpg", False),
        ("seeds/.hidden.txt", False),
    ],
)
def test_only_article_files_trigger_a_rebuild(path, article):
    assert is_article(path) is article


ARTICLE = "ميناء تجريبي يستقبل السفن\n\nأعلن ميناء {name} استقبال {n} سفينة تجارية خلال الأسبوع الماضي، في رقم قياسي جديد للميناء.\n"


def _found(settings, word: str) -> bool:
    return any(word in p.text for p in api.retrieve(word, k=3, settings=settings, mode="lexical"))


def _within(seconds: float, condition) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"not seen within {seconds} s")


def _signals(pid: int | str) -> str:
    return " ".join(line for line in open(f"/proc/{pid}/status").read().splitlines() if line.startswith(("SigBlk", "SigIgn")))


def test_added_changed_and_removed_articles_are_searchable_within_10_s(tmp_path):
    settings = make_settings(tmp_path, copy_seeds(tmp_path / "seeds", ["002"]), llm="none")
    watcher = subprocess.Popen(
        [sys.executable, "-m", "rag", "index", "--watch", "--json", "--quiet"],
        env=rag_env(settings, PYTHONFAULTHANDLER="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=stoppable,
    )
    try:
        first = json.loads(watcher.stdout.readline())  # the build before watching
        assert first["added"] == 1
        time.sleep(0.5)  # the watcher starts after the first build
        article = settings.seeds_dir / "port.txt"
        article.write_text(ARTICLE.format(name="زمرد", n=777), encoding="utf-8")
        _within(10, lambda: _found(settings, "زمرد"))
        article.write_text(ARTICLE.format(name="ياقوت", n=888), encoding="utf-8")
        _within(10, lambda: _found(settings, "ياقوت") and not _found(settings, "زمرد"))
        article.unlink()
        _within(10, lambda: not _found(settings, "ياقوت"))
        (settings.seeds_dir / "notes.jpg").write_bytes(b"\xff\xd8")  # not an article: no rebuild
        time.sleep(2)
    finally:
        watcher.send_signal(signal.SIGINT)
        try:
            out, err = watcher.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            seen = f"watcher {_signals(watcher.pid)}; tests {_signals('self')}"
            watcher.send_signal(signal.SIGABRT)  # PYTHONFAULTHANDLER: every thread's stack, to see what held it
            out, err = watcher.communicate(timeout=30)
            pytest.fail(f"Ctrl-C did not stop the watcher in 30 s ({seen}):\n{err[-6000:]}")
    assert watcher.returncode == 0 and "Traceback" not in err, err
    builds = [json.loads(line) for line in out.splitlines()]
    assert [(b["added"], b["updated"], b["removed"]) for b in builds] == [(1, 0, 0), (0, 1, 0), (0, 0, 1)]


def test_the_chat_server_answers_from_an_article_dropped_while_it_runs(tmp_path):
    """`rag serve --watch`: the article is indexed while the server runs, and the
    next question (here over the HTTP API) is answered from it."""
    from gradio_client import Client

    settings = make_settings(tmp_path, copy_seeds(tmp_path / "seeds", ["002"]), llm="none")
    env = {"RAG_SEEDS_DIR": str(settings.seeds_dir), "RAG_INDEX_DIR": str(settings.index_dir), "RAG_LLM": "none"}
    process, url = start_rag_serve(env, tmp_path / "serve.log", 300, "--watch")
    try:
        client = Client(url, verbose=False)
        question = "كم سفينة تجارية استقبل ميناء زمرد؟"
        assert client.predict(question, None, api_name="/ask")["abstained"]
        (settings.seeds_dir / "port.txt").write_text(ARTICLE.format(name="زمرد", n=777), encoding="utf-8")
        _within(10, lambda: "777" in client.predict(question, None, api_name="/ask")["text"])
        assert "re-indexed: 1 added" in (tmp_path / "serve.log").read_text()
    finally:
        stop(process)
