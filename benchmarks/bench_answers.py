"""Answer benchmark: the verified-sentence floor against every way a model may
write, on the news and the xquad-dev question sets, in one run.

    .venv/bin/python benchmarks/bench_answers.py
        [--rows verified,default,local-1.5b-translate,local-1.5b-generate]
        [--out benchmarks/results/answers.json]

Sets (each over its own articles, indexed once per run):
  news   eval/dev.jsonl, eval/followups-dev.jsonl, eval/own/followups.jsonl,
         eval/own/unanswerable-news.jsonl                      (seeds/)
  xquad  eval/xquad-dev/answers_sample.jsonl, eval/own/followups-xquad.jsonl,
         eval/own/unanswerable-xquad.jsonl
                                                               (eval/xquad-dev/seeds/)
Rows: "verified" (RAG_LLM=none: the best sentence, its number or date in
English for English questions), "default" (the shipped settings, bundled 1.5B),
"local-1.5b-check" (the verified sentence, after the model's check that it
answers the question: settings.judge), "local-1.5b-pick" (the model picks the
answering sentence among the best: settings.pick; "-abstain" with its fitted abstention),
"local-1.5b-rerank" (the best sentences reranked by the model's likelihood of
the question after each: settings.rerank), "local-1.5b-translate" (the model translates the verified sentence for English
questions), "local-1.5b-generate" (the model writes every answer, checked, and
translates when it fails), the same for the 0.5B, llama-index's
CitationQueryEngine over our retriever and the 1.5B ("citation-engine"), and
"openai-translate" / "openai-generate" for the server at RAG_LLM_URL.

Each row gives the answers block of `rag eval` per group of files (news dev,
follow-ups, xquad sample, unanswerable), the latency, and per question the
answer and the support (closest sentence's cosine) that the abstention
thresholds are fitted on (benchmarks/fit_abstention.py). The row that wins
sets config.GENERATE_BY_DEFAULT.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.app import api  # noqa: E402
from rag.app.evaluation import answer_metrics, load_questions, percentile, run_answer_eval  # noqa: E402
from rag.core.config import Settings  # noqa: E402

EVAL = ROOT / "eval"
SETS = {
    "news": (
        ROOT / "seeds",
        {
            "dev": [EVAL / "dev.jsonl"],
            "followups": [EVAL / "followups-dev.jsonl", EVAL / "own" / "followups.jsonl"],
            "unanswerable": [EVAL / "own" / "unanswerable-news.jsonl"],
        },
    ),
    "xquad": (
        EVAL / "xquad-dev" / "seeds",
        {
            "sample": [EVAL / "xquad-dev" / "answers_sample.jsonl"],
            "followups": [EVAL / "own" / "followups-xquad.jsonl"],
            "unanswerable": [EVAL / "own" / "unanswerable-xquad.jsonl"],
        },
    ),
}


@dataclass
class _Cited:
    n: int
    text: str


@dataclass
class _EngineAnswer:
    text: str
    citations: list
    abstained: bool
    notices: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)


def citation_engine(settings: Settings):
    """llama-index's CitationQueryEngine over our retriever and the same local model."""
    from llama_index.core.base.llms.types import CompletionResponse, CompletionResponseGen, LLMMetadata
    from llama_index.core.llms import CustomLLM
    from llama_index.core.query_engine import CitationQueryEngine
    from llama_index.core.retrievers import BaseRetriever
    from llama_index.core.schema import NodeWithScore, TextNode

    from rag.answer.check import is_abstention
    from rag.core.text import detect_language

    local = api.ENGINE.model(settings)

    class LocalCompletion(CustomLLM):
        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(context_window=settings.llm_context, num_output=settings.answer_max_tokens, model_name=local.name)

        def complete(self, prompt: str, formatted: bool = False, **kwargs) -> CompletionResponse:
            return CompletionResponse(text="".join(local.stream([{"role": "user", "content": prompt}], settings.answer_max_tokens)))

        def stream_complete(self, prompt: str, formatted: bool = False, **kwargs) -> CompletionResponseGen:
            text = ""
            for piece in local.stream([{"role": "user", "content": prompt}], settings.answer_max_tokens):
                text += piece
                yield CompletionResponse(text=text, delta=piece)

    class OurRetriever(BaseRetriever):
        def _retrieve(self, query_bundle):
            return [NodeWithScore(node=TextNode(id_=p.chunk_id, text=p.text), score=p.score) for p in api.retrieve(query_bundle.query_str, settings=settings)]

    engine = CitationQueryEngine.from_args(index=None, retriever=OurRetriever(), llm=LocalCompletion(), citation_chunk_size=1024)

    def ask(question: str, history=None) -> _EngineAnswer:
        started = time.perf_counter()
        response = engine.query(question)
        text = str(response.response or "")
        sources = [_Cited(n, s.node.get_content().split(":", 1)[-1]) for n, s in enumerate(response.source_nodes, 1)]
        cited = [c for c in sources if f"[{c.n}]" in text]
        language = detect_language(question)
        return _EngineAnswer(text, cited, is_abstention(text, language), timings={"answer_ms": round((time.perf_counter() - started) * 1000, 1)})

    return ask


def run_row(name: str, groups: dict[str, list], ask) -> dict:
    started = time.perf_counter()
    questions = [q for group in groups.values() for q in group]
    _, rows, latency = run_answer_eval(questions, ask, progress=True)
    by_id = {r["id"]: r for r in rows}
    extractive = [r["timings"]["extractive_ms"] for r in rows if "extractive_ms" in r["timings"]]
    return {
        "backend": name,
        "answers": {group: answer_metrics([by_id[q.id] for q in qs]) for group, qs in groups.items()},
        "latency_ms": {**latency, "extractive_p50": percentile(extractive, 50)},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "seconds": round(time.perf_counter() - started, 1),
        "per_question": [
            {
                **{
                    k: r[k]
                    for k in ("id", "lang", "answerable", "answer", "cited", "cited_support", "abstained", "correct", "extractive", "notices", "support")
                },
                "tries": r["timings"].get("tries", 0),
            }
            for r in rows
        ],
    }


ROWS = {
    "verified": dict(llm="none"),
    "default": dict(),
    "local-1.5b-check": dict(llm="local", llm_model="qwen2.5-1.5b", judge="on", pick="off", translate="off", generate_ar="off", generate_en="off"),
    # The pick without its abstention (pick_threshold_* 0): which sentence it
    # picks; its abstention is fitted by fit_abstention.py --signal pick and
    # measured end to end by the next row.
    "local-1.5b-pick": dict(
        llm="local",
        llm_model="qwen2.5-1.5b",
        judge="off",
        pick="on",
        pick_threshold_ar=0.0,
        pick_threshold_en=0.0,
        translate="off",
        generate_ar="off",
        generate_en="off",
    ),
    # The pick's candidates reranked by the model's query likelihood (settings.rerank).
    "local-1.5b-rerank": dict(
        llm="local", llm_model="qwen2.5-1.5b", judge="off", pick="off", rerank="on", translate="off", generate_ar="off", generate_en="off"
    ),
    "local-1.5b-pick-abstain": dict(llm="local", llm_model="qwen2.5-1.5b", judge="off", pick="on", translate="off", generate_ar="off", generate_en="off"),
    "local-1.5b-translate": dict(llm="local", llm_model="qwen2.5-1.5b", judge="off", pick="off", translate="on", generate_ar="off", generate_en="off"),
    "local-1.5b-generate": dict(llm="local", llm_model="qwen2.5-1.5b", judge="off", pick="off", translate="on", generate_ar="on", generate_en="on"),
    "local-0.5b-generate": dict(llm="local", llm_model="qwen2.5-0.5b", judge="off", pick="off", translate="on", generate_ar="on", generate_en="on"),
    "citation-engine": dict(llm="local", llm_model="qwen2.5-1.5b"),
    # Your server (RAG_LLM_URL, RAG_LLM_MODEL): measure it before turning generation on.
    "openai-translate": dict(llm="openai", translate="on", generate_ar="off", generate_en="off"),
    "openai-generate": dict(llm="openai", translate="on", generate_ar="on", generate_en="on"),
}


def _line(name: str, row: dict) -> str:
    parts = []
    for group, a in row["answers"].items():
        if group.endswith("unanswerable"):
            parts.append(f"{group} abst {a['abstention_accuracy']:.2f}")
        else:
            parts.append(
                f"{group} acc {a['ar']['answer_accuracy']:.2f}/{a['en']['answer_accuracy']:.2f} lang {a['ar']['language_match']:.2f}/{a['en']['language_match']:.2f}"
                f" cit {a['all']['citation_precision']:.2f} false-abst {a['false_abstention']:.2f}"
            )
    lat = row["latency_ms"]
    return f"{name:22} " + " | ".join(parts) + f" | answer p50 {lat['answer_p50']:.0f} p95 {lat['answer_p95']:.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="verified,default,local-1.5b-translate,local-1.5b-generate")
    parser.add_argument("--sets", default="news,xquad")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "answers.json"))
    parser.add_argument("--keep", action="store_true", help="keep the other rows already in --out (re-run only --rows)")
    args = parser.parse_args()

    results: dict[str, list] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for set_name in args.sets.split(","):
            seeds, files = SETS[set_name]
            groups = {f"{set_name}-{group}": [q for path in paths for q in load_questions(path)] for group, paths in files.items()}
            shutil.copytree(seeds, Path(tmp) / set_name / "seeds")
            base = Settings.from_env(home=Path(tmp) / set_name, seeds_dir=Path(tmp) / set_name / "seeds", index_dir=Path(tmp) / set_name / "index")
            api.build_index(settings=base, progress=True)
            for name in args.rows.split(","):
                settings = base.with_(**ROWS[name])
                ask = citation_engine(settings) if name == "citation-engine" else (lambda q, history=None, s=settings: api.ask(q, history=history, settings=s))
                ask(next(iter(groups.values()))[0].question)  # load the model and warm its prompt cache, not timed
                results.setdefault(name, []).append(run_row(name, groups, ask))
                print(_line(name, results[name][-1]), flush=True)
    rows = [
        {
            "backend": name,
            **{k: v for part in parts for k, v in part.items() if k != "backend" and not isinstance(v, (dict, list))},
            "answers": {g: a for part in parts for g, a in part["answers"].items()},
            "latency_ms": {part_set: part["latency_ms"] for part_set, part in zip(args.sets.split(","), parts)},
            "per_question": [q for part in parts for q in part["per_question"]],
        }
        for name, parts in results.items()
    ]
    if args.keep and Path(args.out).exists():
        fresh = {row["backend"]: row for row in rows}
        rows = [fresh.pop(row["backend"], row) for row in json.loads(Path(args.out).read_text(encoding="utf-8"))["rows"]] + list(fresh.values())
    out = {
        "time": time.strftime("%Y-%m-%d"),
        "sets": {k: {g: [str(p.relative_to(ROOT)) for p in ps] for g, ps in v[1].items()} for k, v in SETS.items()},
        "rows": rows,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
