"""Rebuilds killed with SIGKILL, two rebuilds at once, queries during a rebuild,
a damaged index: with real `rag` processes on a real index."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from rag.app import api
from rag.index.build import build_index
from rag.index.store import build_lock, forget_clients, get_client, load_document_record, open_collection, read_manifest, sentence_collection_name
from tests.conftest import copy_seeds, make_settings, rag, rag_env

pytestmark = pytest.mark.slow

ADDED = "\n\nوأعلنت بلدية المدينة افتتاح جسر جديد فوق نهر الفولغا بطول 1234 متراً أمام حركة السيارات يوم الخميس."
QUESTION = "ما طول الجسر الجديد فوق نهر الفولغا؟"


def assert_complete(settings) -> None:
    """The manifest's index state is whole: every passage it lists has its vector,
    its sentences, its BM25 row and its article record, and nothing else is live."""
    manifest = read_manifest(settings)
    forget_clients()  # other processes wrote to the database
    client = get_client(settings)
    chunks = open_collection(client, manifest.collection, manifest.embedding)
    sentences = open_collection(client, sentence_collection_name(manifest.collection), manifest.embedding)
    live = manifest.live_chunks
    assert set(chunks.get(ids=sorted(live), include=[])["ids"]) == live
    parents = {m["parent"] for m in sentences.get(include=["metadatas"])["metadatas"]}
    assert live <= parents
    rows = (settings.index_dir / manifest.lexical / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(rows) == len(live)
    assert all(load_document_record(settings, doc_id) is not None for doc_id in manifest.files)


def assert_settled(settings) -> None:
    """After a finished build: complete, in step with the folder, no leftovers."""
    assert_complete(settings)
    manifest = read_manifest(settings)
    chunks = open_collection(get_client(settings), manifest.collection, manifest.embedding)
    assert chunks.count() == manifest.chunk_count
    assert len(list((settings.index_dir / "lexical").iterdir())) == 1
    assert len(list((settings.index_dir / "docs").iterdir())) == len(manifest.files)
    again = build_index(settings)
    assert again.embedded == 0 and again.added == again.updated == again.removed == 0


@pytest.fixture(params=["embedded", "server"])
def corpus(request, tmp_path):
    """Two articles indexed in the embedded database, and again in a `chroma run` server."""
    server = request.getfixturevalue("chroma_server") if request.param == "server" else ""
    settings = make_settings(tmp_path, copy_seeds(tmp_path / "seeds", ["002", "003"]), chroma_url=server)
    build_index(settings)
    return settings


def _article(settings):
    return sorted(settings.seeds_dir.glob("*.txt"))[0]


# Every step of an update, the steps of a full rebuild where its state changes,
# and in server mode the steps that talk to the server.
KILL_POINTS = [
    *[("embedded", False, point) for point in ("between-adds", "after-add", "before-switch", "after-switch", "between-deletes", "after-cleanup")],
    *[("embedded", True, point) for point in ("after-add", "before-switch", "after-switch")],
    *[("server", False, point) for point in ("between-adds", "after-switch", "between-deletes")],
    ("server", True, "after-switch"),
]


@pytest.mark.parametrize(("corpus", "full", "point"), KILL_POINTS, indirect=["corpus"], ids=[f"{c}-{'full' if f else 'update'}-{p}" for c, f, p in KILL_POINTS])
def test_a_rebuild_killed_at_each_step_leaves_an_index_and_the_next_one_finishes(corpus, full, point):
    before = read_manifest(corpus)
    article = _article(corpus)
    article.write_text(article.read_text(encoding="utf-8") + ADDED, encoding="utf-8")
    (corpus.seeds_dir / "new.txt").write_text("مقال جديد\n\n" + ADDED.strip() + " " + ADDED.strip(), encoding="utf-8")
    killed = rag(corpus, "index", *(["--full"] if full else []), "--quiet", RAG_CRASH_AT=point)
    assert killed.returncode == -9, killed.stderr
    assert_complete(corpus)  # the old state, or the new one: never half of each
    now = read_manifest(corpus)
    assert now.files.keys() in (before.files.keys(), before.files.keys() | {"new"})
    assert api.retrieve(QUESTION, k=3, settings=corpus)  # a new reader gets answers

    finished = rag(corpus, "index", "--json")
    assert finished.returncode == 0, finished.stderr
    assert_settled(corpus)
    assert any("1234" in p.text for p in api.retrieve(QUESTION, k=3, settings=corpus))


@pytest.mark.parametrize("corpus", ["embedded"], indirect=True)
def test_a_rebuild_killed_at_random_moments_never_breaks_the_index(corpus):
    article = _article(corpus)
    original = article.read_text(encoding="utf-8")
    env = rag_env(corpus)
    for n, delay in enumerate([1.5, 3.0, 4.5, 6.0]):
        article.write_text(original + (ADDED if n % 2 == 0 else ""), encoding="utf-8")
        process = subprocess.Popen([sys.executable, "-m", "rag", "index", "--full", "--quiet"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.kill()
        process.wait()
        assert_complete(corpus)
    assert rag(corpus, "index").returncode == 0
    assert_settled(corpus)


@pytest.mark.parametrize("corpus", ["embedded"], indirect=True)
def test_a_second_rebuild_waits_for_the_first(corpus, tmp_path):
    article = _article(corpus)
    article.write_text(article.read_text(encoding="utf-8") + ADDED, encoding="utf-8")
    env = rag_env(corpus)
    err_path = tmp_path / "second.err"
    with build_lock(corpus), open(err_path, "w") as err:  # a rebuild in progress
        second = subprocess.Popen([sys.executable, "-m", "rag", "index", "--json"], env=env, stdout=subprocess.PIPE, stderr=err, text=True)
        deadline = time.monotonic() + 120
        while "Another rebuild" not in err_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "Another rebuild of this index is running; waiting" in err_path.read_text()
        time.sleep(1)
        assert second.poll() is None  # still waiting for the lock
    out, _ = second.communicate(timeout=120)
    assert second.returncode == 0 and '"updated": 1' in out
    assert_settled(corpus)


def test_queries_during_a_full_rebuild_see_a_whole_index(corpus):
    """A reader that opens the index again and again while `rag index --full`
    replaces every collection: every read gives passages, none fails."""
    env = rag_env(corpus)
    errors, results = [], []
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            try:
                stamp, retriever = api._load_consistent(corpus, corpus.index_dir / "manifest.json")
                results.append(len(retriever.retrieve("الحاويات", 3)))
            except Exception as exc:  # any failure is the bug this test looks for
                errors.append(repr(exc))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for _ in range(2):
            assert subprocess.run([sys.executable, "-m", "rag", "index", "--full", "--quiet"], env=env, timeout=300).returncode == 0
    finally:
        stop.set()
        thread.join()
    assert not errors, errors[:3]
    assert len(results) >= 5 and all(n == 3 for n in results)


@pytest.mark.parametrize(
    "damage",
    ["manifest", "lexical", "latent", "chroma", "folder"],
)
def test_a_damaged_index_gives_a_clear_message_and_index_full_recovers(corpus, damage):
    import shutil

    if damage == "chroma" and corpus.chroma_url:
        pytest.skip("the server's own files are the server's to keep")
    manifest = read_manifest(corpus)
    if damage == "manifest":
        (corpus.index_dir / "manifest.json").write_text("{not json", encoding="utf-8")
    elif damage == "lexical":
        shutil.rmtree(corpus.index_dir / manifest.lexical)
    elif damage == "latent":
        (corpus.index_dir / manifest.lexical / "latent.npz").write_bytes(b"PK\x03\x04 not a zip" * 50)
    elif damage == "chroma":
        for path in (corpus.index_dir / "chroma").iterdir():
            if path.is_dir():
                shutil.rmtree(path)
        (corpus.index_dir / "chroma" / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    else:
        shutil.rmtree(corpus.index_dir)
    searched = rag(corpus, "search", QUESTION)
    if damage == "folder":  # nothing left to be damaged: it is built again
        assert searched.returncode == 0, searched.stderr
    else:
        assert searched.returncode == 2 and "Traceback" not in searched.stderr
        assert "rag index --full" in searched.stderr, searched.stderr
    recovered = rag(corpus, "index", "--full")
    assert recovered.returncode == 0, recovered.stderr
    assert_settled(corpus)
    assert rag(corpus, "search", QUESTION).returncode == 0
