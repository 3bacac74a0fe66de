"""Chat UI latency in a real browser: `rag serve` with the bundled default model,
Debian's Chromium driven by Playwright.

    .venv/bin/python benchmarks/bench_ui.py [--questions eval/dev.jsonl] [--per-language 3]
        [--model qwen2.5-1.5b] [--out benchmarks/results/ui.json]

For each answerable question (a new chat each time), from pressing Enter: the
sources panel and extractive draft, the first generated token, the checked
answer. Then the serve process's peak memory.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.app.evaluation import load_questions, percentile  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS, ask, open_chat  # noqa: E402
from tests.servers import memory_mb, start_rag_serve, stop  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", default=str(ROOT / "eval" / "dev.jsonl"))
    parser.add_argument("--per-language", type=int, default=3)
    parser.add_argument("--model", default="qwen2.5-1.5b")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "ui.json"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    questions = [q for q in load_questions(Path(args.questions)) if q.answerable]
    chosen = [q for lang in ("ar", "en") for q in [q for q in questions if q.lang == lang][: args.per_language]]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {"RAG_INDEX_DIR": str(Path(tmp) / "index"), "RAG_LLM": "local", "RAG_LLM_MODEL": args.model}
        started = time.perf_counter()
        process, url = start_rag_serve(env, Path(tmp) / "serve.log")
        startup_s = round(time.perf_counter() - started, 1)  # index build + model load
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                for q in chosen:
                    context = browser.new_context(viewport={"width": 1400, "height": 1000})
                    page = open_chat(context, url)
                    timing = ask(page, q.question, 0)
                    answer = page.locator('#rag-chat [data-testid="bot"]').last.inner_text()
                    rows.append({"id": q.id, "language": q.lang, **{k: timing[k] for k in ("sources_ms", "first_token_ms", "answer_ms")}, "answer": answer})
                    print(
                        f"{q.id} {q.lang} sources {timing['sources_ms']} ms, first token {timing['first_token_ms']} ms, answer {timing['answer_ms']} ms",
                        flush=True,
                    )
                    context.close()
                browser.close()
            rss = memory_mb(process.pid)
        finally:
            stop(process)

    def summary(key: str) -> dict:
        values = [r[key] for r in rows if r[key] is not None]
        return {"p50": round(statistics.median(values)), "p95": round(percentile(values, 95)), "n": len(values)} if values else {}

    report = {
        "model": args.model,
        "questions": len(rows),
        "startup_s": startup_s,
        "sources_ms": summary("sources_ms"),
        "first_token_ms": summary("first_token_ms"),
        "answer_ms": summary("answer_ms"),
        "serve_peak_rss_mb": rss,
        "rows": rows,
    }
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "rows"}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
