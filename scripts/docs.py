#!/usr/bin/env python3
"""Write the generated parts of the README and docs/, or check them (CI does).

    python scripts/docs.py          # rewrite every generated block
    python scripts/docs.py --check  # exit 1 naming each block that is stale

A generated block sits between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`.
Its text comes from the code and from the benchmarks' recorded results, so figures
and settings in the docs cannot drift from what was measured and what the code does:
the settings tables from `rag.core.config.Settings` (each field's default and doc),
the module map from the packages' and modules' docstrings, the benchmark tables from
`benchmarks/results/*.json` (rerun a benchmark, then this script).
"""

from __future__ import annotations

import ast
import json
import re
import sys
from collections.abc import Callable
from dataclasses import MISSING, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.core.config import Settings  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
# The stages in flow order: the layers the import contract in pyproject.toml checks.
STAGES = ["core", "ingest", "index", "search", "answer", "app"]


def _results(name: str) -> dict:
    return json.loads((RESULTS / f"{name}.json").read_text(encoding="utf-8"))


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


# --- settings ------------------------------------------------------------------


def _default(f) -> str:
    if f.name == "home":
        return "the checkout"
    value = f.default
    if isinstance(value, Path):
        return f"`{value}/`"
    if value == "":
        return "empty"
    return f"`{value}`"


def settings_table(front_only: bool) -> str:
    rows = [
        [f"`RAG_{f.name.upper()}`", _default(f), f.metadata["doc"]]
        for f in fields(Settings)
        if f.metadata.get("doc") and (f.metadata.get("front") or not front_only) and (f.default is not MISSING or not front_only)
    ]
    return _table(["variable", "default", "meaning"], rows)


# --- the module map -------------------------------------------------------------


def _summary(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return " ".join(doc.split("\n\n")[0].split())


def modules_table() -> str:
    rows = []
    for stage in STAGES:
        folder = ROOT / "rag" / stage
        rows.append([f"**`rag/{stage}/`**", f"**{_summary(folder / '__init__.py')}**"])
        rows += [[f"`{path.name}`", _summary(path)] for path in sorted(folder.glob("*.py")) if path.name != "__init__.py"]
    return _table(["module", "job"], rows)


# --- benchmark tables -------------------------------------------------------------


def _f(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}f}"


RETRIEVERS = [  # (label, name in retrieval.json)
    ("llama-index starter", "llama-index starter"),
    ("plain BM25 (Snowball, 120-word windows)", "plain BM25 (Snowball, 120-word windows)"),
    ("dense: passage vectors only", "dense: passage vectors only"),
    ("dense: passage + best sentence", "dense: passage + best sentence"),
    ("dense: + latent terms", "dense: + latent terms (default)"),
    ("lexical: BM25, light10 + Snowball", "lexical: BM25 light10 + Snowball"),
    ("hybrid without latent terms", "hybrid without latent terms"),
    ("the default, sentences ranked by cosine alone", "ours, sentences by cosine alone"),
    ("the default, sentences with the answer-kind weight (not shipped)", "ours, sentences with the answer kind"),
    ("**the default**", "ours: hybrid (default)"),
]


def retrieval_table(dataset: str, part: str) -> str:
    rows = {(r["set"], r["part"], r["retriever"]): r for r in _results("retrieval")["rows"]}
    out = []
    for label, name in RETRIEVERS:
        r = rows.get((dataset, part, name))
        if r is None:
            continue
        anchor = "sentence@1" if "starter" not in name and "plain" not in name else None
        cells = []
        for lang in ("ar", "en"):
            cells += [_f(r[f"{lang}_recall@5"]), _f(r[f"{lang}_mrr@10"]), _f(r[f"{lang}_sentence@1"]) if anchor else "–"]
        out.append([label, *cells, f"{r['p50_ms']:g} / {r['p95_ms']:g}"])
    return _table(["retriever", "ar R@5", "ar MRR@10", "ar sent@1", "en R@5", "en MRR@10", "en sent@1", "p50 / p95 ms"], out)


ANSWER_ROWS = [  # (label, backend in answers.json)
    ("**default: English questions that stand alone reranked by the 1.5B (`RAG_RERANK=auto`)**", "default"),
    ("verified sentence (= `RAG_LLM=none`)", "verified"),
    ("the best three reranked by the 1.5B's likelihood of the question, both languages, follow-ups too (`RAG_RERANK=on`)", "local-1.5b-rerank"),
    ("verified sentence, after the 1.5B's check that it answers (`RAG_JUDGE=on`)", "local-1.5b-check"),
    ("the sentence the 1.5B picks among the best three (`RAG_PICK=on`, `RAG_PICK_THRESHOLD_AR/_EN=0`)", "local-1.5b-pick"),
    ("the same, abstaining below its fitted threshold (`RAG_PICK=on`)", "local-1.5b-pick-abstain"),
    ("1.5B translates for English questions", "local-1.5b-translate"),
    ("1.5B writes every answer (checked)", "local-1.5b-generate"),
    ("0.5B writes every answer (checked)", "local-0.5b-generate"),
    ("a server model translates", "openai-translate"),
    ("a server model writes every answer", "openai-generate"),
]


def answers_table() -> str:
    rows = {r["backend"]: r for r in _results("answers")["rows"]}
    out = []
    for label, backend in ANSWER_ROWS:
        if backend not in rows:
            continue
        a, latency = rows[backend]["answers"], rows[backend]["latency_ms"]

        def both(block: str, metric: str, a=a) -> str:
            return " / ".join(_f(a[block][lang][metric], 2) for lang in ("ar", "en"))

        out.append(
            [
                label,
                both("news-dev", "answer_accuracy"),
                both("news-followups", "answer_accuracy"),
                both("xquad-sample", "answer_accuracy"),
                both("xquad-followups", "answer_accuracy"),
                " / ".join(_f(a[b]["en"]["language_match"], 2) for b in ("news-dev", "news-followups", "xquad-sample")),
                " / ".join(_f(a[b]["all"]["citation_precision"], 2) for b in ("news-dev", "xquad-sample")),
                " / ".join(_f(a[b]["abstention_accuracy"], 2) for b in ("news-unanswerable", "xquad-unanswerable")),
                " / ".join(_f(a[b]["false_abstention"], 2) for b in ("news-dev", "news-followups", "xquad-sample")),
                f"{latency['news']['answer_p50'] / 1000:.2f} / {latency['news']['answer_p95'] / 1000:.1f} s",
            ]
        )
    header = [
        "row",
        "news acc",
        "follow-ups acc",
        "xquad acc",
        "xquad follow-ups acc",
        "English language match news / follow-ups / xquad",
        "citation precision news / xquad",
        "abstention news / xquad",
        "false abstention news / follow-ups / xquad",
        "answer p50 / p95",
    ]
    return _table(header, out)


LOAD_ROWS = [
    ("`rag.ask`, verified (the default)", "api-none"),
    ("`rag serve` /ask over HTTP, verified", "ui-none"),
    ("`rag.ask`, local 1.5B writing", "api-local"),
    ("`rag serve` /ask over HTTP, local 1.5B writing", "ui-local"),
]


def _mb(value: float) -> str:
    return f"{value / 1000:.2f} GB" if value >= 1000 else f"{value:.0f} MB"


def _s(ms: float) -> str:
    return f"{ms / 1000:.2f} s" if ms < 10_000 else f"{ms / 1000:.0f} s"


def load_table() -> str:
    rows = _results("load")["rows"]
    out = []
    for label, key in LOAD_ROWS:
        r = rows.get(key)
        if r:
            rss = r.get("peak_rss_mb") or r.get("serve_peak_rss_mb") or 0
            out.append([label, f"{r['requests']:,}", f"{r['throughput_per_s']:g} /s", _s(r["p50_ms"]), _s(r["p95_ms"]), str(r["errors"]), _mb(rss)])
    return _table(["load", "requests", "throughput", "p50", "p95", "errors", "peak RSS"], out)


def scale_table() -> str:
    out = []
    for r in _results("scale")["rows"]:
        passages = f"{r['passages']:,}" + (" (real embedding)" if r["embedding"] == "real" else "")
        out.append(
            [
                passages,
                f"{r['build_s']:.0f} s",
                f"{r['build_passages_per_s']:.0f}",
                f"{r['retrieve_p50_ms']:.0f} / {r['retrieve_p95_ms']:.0f} ms",
                "in memory" if r["dense_path"] == "memory" else "Chroma ANN",
                _mb(r["index_disk_mb"]),
                _mb(r["rss_loaded_mb"]),
                _mb(r["lexical_build_peak_mb"]) if r["lexical_build_peak_mb"] >= 10 else f"{r['lexical_build_peak_mb']} MB",
            ]
        )
    return _table(["passages", "build", "passages/s", "retrieve p50 / p95", "dense search", "index on disk", "RSS with index loaded", "BM25 build memory"], out)


def index_table() -> str:
    r = _results("index")
    rows = [
        ["articles / passages", f"{r['documents']} / {r['chunks']} ({r['avg_chunk_chars']:.0f} characters on average)"],
        ["full build", f"{r['full_build_s']:.1f} s ({r['full_build_chunks_per_s']:.1f} passages/s)"],
        ["no-change rebuild", f"{r['no_change_rebuild_s']:.3f} s, {r['no_change_embedded']} embedded ({r['no_change_ratio']:.1%} of a full build)"],
        ["one file changed", f"{r['one_file_change_s']:.1f} s, only that file's {r['one_file_change_embedded']} passages re-embedded"],
        ["warm query p50 / p95", f"{r['query_p50_ms']:.0f} / {r['query_p95_ms']:.0f} ms"],
        ["index on disk", f"{r['index_size_mb']:.1f} MB"],
        ["peak RSS (build + queries)", _mb(r["peak_rss_mb"])],
    ]
    return _table(["figure", "value"], rows)


def watch_table() -> str:
    r = _results("watch")
    drop = r["drop_to_searchable_s"]
    rows = [
        ["an article dropped in → its passages searchable", f"{drop['median']:.1f} s median, {drop['max']:.1f} s at most ({len(drop['each'])} articles)"],
        ["an article changed → the new text searchable, the old gone", f"{r['change_to_searchable_s']:.1f} s"],
        ["an article removed → its passages gone", f"{r['removal_to_gone_s']:.1f} s"],
    ]
    return _table(["event", "time"], rows)


def embed_table() -> str:
    rows = [[r["row"], str(r["passages"]), f"{r['seconds']:.1f} s", f"{r['passages_per_s']:.1f}"] for r in _results("embed")["rows"]]
    return _table(["embedding", "passages", "full build", "passages/s"], rows)


BLOCKS: dict[tuple[str, str], Callable[[], str]] = {
    ("README.md", "settings"): lambda: settings_table(front_only=True),
    ("docs/configuration.md", "settings"): lambda: settings_table(front_only=False),
    ("docs/architecture.md", "modules"): modules_table,
    ("docs/search.md", "retrieval-xquad"): lambda: retrieval_table("xquad", "held-out"),
    ("docs/search.md", "retrieval-news"): lambda: retrieval_table("news", "all"),
    ("docs/answers.md", "answers"): answers_table,
    ("docs/scaling.md", "load"): load_table,
    ("docs/scaling.md", "scale"): scale_table,
    ("docs/testing.md", "index"): index_table,
    ("docs/articles.md", "watch"): watch_table,
    ("docs/scaling.md", "embed"): embed_table,
}


def _block(name: str) -> re.Pattern:
    return re.compile(rf"(<!-- generated:{re.escape(name)} -->\n)(.*?)(<!-- /generated:{re.escape(name)} -->)", re.S)


def render(path: str, text: str) -> str:
    """The file's text with each of its generated blocks rewritten."""
    for (file, name), make in BLOCKS.items():
        if file != path:
            continue
        pattern = _block(name)
        if not pattern.search(text):
            raise SystemExit(f"{path} has no <!-- generated:{name} --> block")
        body = make()
        text = pattern.sub(lambda m, body=body: m.group(1) + body + "\n" + m.group(3), text)
    return text


def stale() -> list[str]:
    """The files whose generated blocks differ from what the code and results say."""
    files = sorted({file for file, _ in BLOCKS})
    return [file for file in files if render(file, (ROOT / file).read_text(encoding="utf-8")) != (ROOT / file).read_text(encoding="utf-8")]


def main(argv: list[str]) -> int:
    if "--check" in argv:
        if files := stale():
            print(f"generated blocks are stale in {', '.join(files)}: run python scripts/docs.py", file=sys.stderr)
            return 1
        return 0
    for file in sorted({file for file, _ in BLOCKS}):
        path = ROOT / file
        path.write_text(render(file, path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
