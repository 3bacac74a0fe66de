"""The chat UI in a real browser: `rag serve` in a subprocess, Debian's Chromium
driven by Playwright, the real index, embedding model and (small) local LLM.

Screenshots go to test-artifacts/ui/ for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS, ask, open_chat
from tests.servers import ROOT, start_rag_serve, stop

ARTIFACTS = ROOT / "test-artifacts" / "ui"

pytestmark = pytest.mark.slow

ARABIC = "من هو المتحدث باسم الكرملين الذي علق على الاتهامات الغربية؟"
ARABIC_FOLLOW_UP = "وماذا قال عنها؟"
ENGLISH = "How far is the ammunition depot from the Ukrainian border?"


@pytest.fixture(scope="module")
def server(seeds_index, tmp_path_factory):
    """`rag serve` on 127.0.0.1 over the session's index, with the small model
    writing Arabic answers (streamed, checked) and English ones left to the
    default (the verified sentence reranked by the model, its number in English)."""
    env = {
        "RAG_SEEDS_DIR": str(seeds_index.seeds_dir),
        "RAG_INDEX_DIR": str(seeds_index.index_dir),
        "RAG_LLM": "local",
        "RAG_LLM_MODEL": "qwen2.5-0.5b",
        "RAG_GENERATE_AR": "on",
    }
    try:
        process, url = start_rag_serve(env, tmp_path_factory.mktemp("serve") / "serve.log")
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield url
    stop(process)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium fonts-noto-core)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield open_chat(context, server)
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def last_answer(page):
    return page.locator('#rag-chat [data-testid="bot"]').last


def line_gaps(page, selector: str) -> dict:
    """Where a one-line message's text sits inside its block: the layout a reader
    sees, not just an attribute."""
    return page.evaluate(
        """(selector) => {
        const blocks = document.querySelectorAll(selector);
        const block = blocks[blocks.length - 1];
        const p = block.querySelector('p') || block;
        const range = document.createRange();
        range.selectNodeContents(p);
        const line = range.getBoundingClientRect();
        const box = p.getBoundingClientRect();
        return {direction: getComputedStyle(p).direction, left: line.left - box.left, right: box.right - line.right, width: box.width};
    }""",
        selector,
    )


def test_arabic_and_english_answers_stream_with_checkable_citations(page):
    arabic = ask(page, ARABIC, 0)
    answer = last_answer(page)
    assert answer.locator("a.rag-cite").count() >= 1, answer.inner_text()
    # Streamed: sources and the extractive draft first, then generated text, then the checked answer.
    assert arabic["sources_ms"] < arabic["first_token_ms"] < arabic["answer_ms"], arabic
    cited = page.locator('#rag-sources .rag-turn[data-turn="0"] details.rag-cited')
    assert cited.count() >= 1 and cited.first.get_attribute("open") is not None
    highlight = cited.first.locator("mark.rag-hl")
    assert highlight.count() == 1 and highlight.inner_text().strip() in cited.first.locator(".rag-passage").inner_text()
    shot(page, "arabic-answer")

    english = ask(page, ENGLISH, 1)
    answer = last_answer(page)
    assert answer.locator("a.rag-cite").count() >= 1, answer.inner_text()
    # The verified answer: the distance in bold, a plain notice, the Arabic
    # sentence highlighted with the same number in bold in the sources.
    assert answer.locator("b.rag-span").inner_text() == "about 290 km", answer.inner_text()
    assert "number or date asked for" in answer.locator(".rag-notice").inner_text()
    source = page.locator('#rag-sources .rag-turn[data-turn="1"] details.rag-cited mark.rag-hl b.rag-span')
    assert source.count() == 1 and source.inner_text() == "نحو 290 كيلومتراً"
    # No model writes; the verified answer shows first, and the model's rerank of
    # the best sentences (the English default) may replace it.
    assert english["first_token_ms"] is None and english["sources_ms"] <= english["answer_ms"], english
    shot(page, "english-answer")

    # Arabic right-to-left and English left-to-right in the same conversation.
    ar = line_gaps(page, '#rag-chat [data-testid="user"] .rag-msg[lang="ar"]')
    en = line_gaps(page, '#rag-chat [data-testid="user"] .rag-msg[lang="en"]')
    assert ar["direction"] == "rtl" and ar["right"] < 2 and ar["left"] > 20, ar
    assert en["direction"] == "ltr" and en["left"] < 2 and en["right"] > 20, en


def test_clicking_a_citation_opens_its_passage(page):
    ask(page, ARABIC, 0)
    ask(page, ENGLISH, 1)
    # The first answer's marker: its turn is folded under the newer one.
    # The earlier turn is labelled by its question.
    assert page.locator("#rag-sources details.rag-older > summary").first.inner_text().strip() == ARABIC
    marker = page.locator('#rag-chat a.rag-cite[href^="#rag-src-0-"]').first
    target = marker.get_attribute("href")[1:]
    source = page.locator(f"#{target}")
    assert not source.is_visible()
    marker.click()
    page.wait_for_function(f"document.getElementById('{target}').classList.contains('rag-flash')", timeout=5_000)
    assert source.is_visible() and source.locator("mark.rag-hl").is_visible()
    assert len(page.context.pages) == 1  # no new tab
    shot(page, "citation-clicked")


def test_follow_up_question_uses_the_conversation(page):
    ask(page, ARABIC, 0)
    ask(page, ARABIC_FOLLOW_UP, 1)
    answer = last_answer(page)
    assert answer.locator("a.rag-cite").count() >= 1, answer.inner_text()
    cited = page.locator('#rag-sources .rag-turn[data-turn="1"] details.rag-cited')
    assert cited.count() >= 1 and "الكرملين" in cited.first.inner_text()
    assert page.locator("#rag-send").inner_text() == "إرسال"  # labels follow the Arabic question
    shot(page, "follow-up")


def test_html_typed_into_the_box_is_shown_not_run(page):
    typed = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>Kremlin</b> spokesman?'
    ask(page, typed, 0)
    user = page.locator('#rag-chat [data-testid="user"]').last
    assert "<b>Kremlin</b>" in user.inner_text() and "<img" in user.inner_text()
    assert page.locator("#rag-chat img[src=x], #rag-chat b:text('Kremlin')").count() == 0
    assert page.evaluate("window.__pwned") is None
    shot(page, "html-escaped")


def test_empty_question_gets_a_message_not_an_error(page):
    page.locator("#rag-question textarea").press("Enter")
    page.wait_for_selector('#rag-chat [data-testid="bot"]', timeout=30_000)
    assert "empty" in last_answer(page).inner_text()


def test_index_status_and_rebuild_from_the_page(page):
    page.get_by_text("Index", exact=True).click()
    status = page.locator("#rag-status")
    status.wait_for(state="visible")
    assert "5 documents" in status.inner_text() and "qwen2.5-coder-0.5b" in status.inner_text()
    page.locator("#rag-rebuild").click()
    page.wait_for_selector("#rag-rebuild-result .rag-msg", timeout=120_000)
    assert "5 unchanged" in page.locator("#rag-rebuild-result").inner_text()  # the incremental indexer: nothing to redo


def test_filtering_by_outlet_from_the_page(page):
    page.get_by_text("Filter by outlet and date", exact=True).click()
    note = page.locator("#rag-filter-note")
    note.wait_for(state="visible")
    assert "All 5 articles are searched" in note.inner_text()
    page.locator("#rag-outlets input").click()
    page.get_by_role("option", name="الوطن").click()
    page.keyboard.press("Escape")
    page.wait_for_function("document.querySelector('#rag-filter-note').innerText.includes('1 of 5')", timeout=20_000)
    ask(page, "ماذا قالت صحيفة واشنطن بوست عن زيارة كيم؟", 0)
    cited = page.locator("#rag-sources .rag-turn .rag-cited .rag-where").all_inner_texts()
    assert cited and all("الوطن" in where for where in cited)
    shot(page, "filtered-by-outlet")
    page.locator("#rag-since input, #rag-since textarea").first.fill("31/08/2023")
    page.wait_for_function("document.querySelector('#rag-filter-note').innerText.includes(\"not '31/08/2023'\")", timeout=20_000)


def test_the_http_api_answers_with_citations(server):
    """Programs call the running UI over HTTP (gradio_client, /ask)."""
    from gradio_client import Client

    client = Client(server, verbose=False)
    answer = client.predict(ENGLISH, None, api_name="/ask")
    assert "290" in answer["text"] and answer["citations"] and answer["language"] == "en"
    assert answer["passages"] and all("file" in p for p in answer["passages"])
    with pytest.raises(Exception, match="empty"):
        client.predict("   ", None, api_name="/ask")


UPLOADED = "ميناء زمرد يستقبل السفن\n\nأعلن ميناء زمرد استقبال 777 سفينة تجارية خلال الأسبوع الماضي، في رقم قياسي جديد للميناء.\n\nالمصدر: الوطن\n"


@pytest.fixture(scope="module")
def own_server(tmp_path_factory):
    """A server over its own copy of one article: these tests add and remove articles."""
    from tests.conftest import copy_seeds

    tmp = tmp_path_factory.mktemp("own")
    env = {"RAG_SEEDS_DIR": str(copy_seeds(tmp / "seeds", ["004"])), "RAG_INDEX_DIR": str(tmp / "index"), "RAG_LLM": "none"}
    process, url = start_rag_serve(env, tmp / "serve.log")
    yield url
    stop(process)


def test_an_uploaded_article_is_answered_from_then_removed(browser, own_server, tmp_path):
    context = browser.new_context(viewport={"width": 1400, "height": 1300})
    page = open_chat(context, own_server)
    page.get_by_text("Index", exact=True).click()
    result = page.locator("#rag-rebuild-result")
    (tmp_path / "ميناء زمرد.txt").write_text(UPLOADED, encoding="utf-8")
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    page.locator("#rag-upload input[type=file]").set_input_files([str(tmp_path / "ميناء زمرد.txt"), str(tmp_path / "empty.txt")])
    page.wait_for_function("document.querySelector('#rag-rebuild-result').innerText.includes('1 added')", timeout=120_000)
    assert "Added ميناء زمرد.txt" in result.inner_text() and "Not added: empty.txt is empty" in result.inner_text()
    ask(page, "كم سفينة تجارية استقبل ميناء زمرد؟", 0)
    cited = page.locator("#rag-sources .rag-turn .rag-cited .rag-where").all_inner_texts()
    assert cited and "ميناء زمرد.txt" in cited[0] and "الوطن" in cited[0]
    assert "777" in page.locator('#rag-chat [data-testid="bot"]').last.inner_text()
    shot(page, "uploaded-article")
    page.locator("#rag-articles input").click()
    page.get_by_role("option", name="ميناء زمرد.txt").click()
    page.locator("#rag-remove").click()
    # The Arabic question switched the page to Arabic.
    page.wait_for_function("document.querySelector('#rag-rebuild-result').innerText.includes('حُذف 1')", timeout=120_000)
    assert "حُذف ميناء زمرد.txt" in result.inner_text()
    page.locator("#rag-articles input").click()
    assert page.get_by_role("option", name="ميناء زمرد.txt").count() == 0  # gone from the list
    context.close()


def test_a_conversation_is_kept_reopened_after_a_reload_and_exported(browser, own_server):
    context = browser.new_context(viewport={"width": 1400, "height": 1300})
    page = open_chat(context, own_server)
    ask(page, "Which Russian minister met Kim Jong Un in Pyongyang?", 0)
    first = page.locator('#rag-chat [data-testid="bot"]').last.inner_text()
    page.reload()
    page.wait_for_selector("#rag-question textarea", state="visible", timeout=60_000)
    assert page.locator('#rag-chat [data-testid="bot"]').count() == 0  # a new page, an empty chat
    page.get_by_text("Conversations", exact=True).click()
    page.locator("#rag-saved input").click()
    page.get_by_role("option", name="Which Russian minister met Kim Jong Un in Pyongyang?", exact=False).first.click()
    page.locator("#rag-open").click()
    page.wait_for_selector('#rag-chat [data-testid="bot"]', timeout=20_000)
    assert page.locator('#rag-chat [data-testid="bot"]').last.inner_text() == first
    assert page.locator("#rag-sources .rag-turn .rag-cited").count() >= 1  # the sources panel too
    with page.expect_download(timeout=20_000) as download:
        page.locator("#rag-export").click()
        page.locator("#rag-exported a").first.click()
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    assert "## Which Russian minister met Kim Jong Un in Pyongyang?" in markdown and "[1]" in markdown
    shot(page, "conversation-reopened")
    context.close()
