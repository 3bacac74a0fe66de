"""Answer benchmark: every generation backend, and llama-index's CitationQueryEngine,
on one question file in one run.

    .venv/bin/python benchmarks/bench_answers.py [--questions eval/dev.jsonl]
        [--rows none,local-0.5b,local-1.5b,citation-engine] [--out benchmarks/results/answers.json]

Each row: the answers block of `rag eval` (accuracy, citation precision and
coverage, language match per language; abstention accuracy, false abstention),
latency (extractive answer, first token, full answer) and the process's peak
memory so far. CitationQueryEngine gets the same retriever (our hybrid search,
top_k passages) and the same model (the bundled 1.5B Qwen through
llama-cpp-python) as our pipeline; only the prompting and the checking differ.
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

from rag import api  # noqa: E402
from rag.config import Settings  # noqa: E402
from rag.evaluation import load_questions, percentile, run_answer_eval  # noqa: E402


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

    from rag.answer import is_abstention
    from rag.llm import get_llm
    from rag.text import detect_language

    local = get_llm(settings)

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

    def ask(question: str) -> _EngineAnswer:
        started = time.perf_counter()
        response = engine.query(question)
        text = str(response.response or "")
        sources = [_Cited(n, s.node.get_content().split(":", 1)[-1]) for n, s in enumerate(response.source_nodes, 1)]
        cited = [c for c in sources if f"[{c.n}]" in text]
        language = detect_language(question)
        return _EngineAnswer(text, cited, is_abstention(text, language), timings={"answer_ms": round((time.perf_counter() - started) * 1000, 1)})

    return ask


def run_row(name: str, questions, ask) -> dict:
    started = time.perf_counter()
    answers, rows, latency = run_answer_eval(questions, ask, progress=True)
    extractive = [r["timings"]["extractive_ms"] for r in rows if "extractive_ms" in r["timings"]]
    return {
        "backend": name,
        "answers": answers,
        "latency_ms": {**latency, "extractive_p50": percentile(extractive, 50)},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "seconds": round(time.perf_counter() - started, 1),
        "per_question": [
            {**{k: r[k] for k in ("id", "answer", "cited", "cited_support", "abstained", "correct", "extractive")}, "tries": r["timings"].get("tries", 0)} for r in rows
        ],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", default=str(ROOT / "eval" / "dev.jsonl"))
    parser.add_argument("--rows", default="none,local-0.5b,local-1.5b,citation-engine")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "answers.json"))
    args = parser.parse_args()
    questions = load_questions(Path(args.questions))

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        shutil.copytree(ROOT / "seeds", tmp / "seeds")
        base = Settings.from_env(home=tmp, seeds_dir=tmp / "seeds", index_dir=tmp / "index")
        api.build_index(settings=base)
        rows = {
            "none": lambda: (base.with_(llm="none"), None),
            "local-0.5b": lambda: (base.with_(llm="local", llm_model="qwen2.5-0.5b"), None),
            "local-1.5b": lambda: (base.with_(llm="local", llm_model="qwen2.5-1.5b"), None),
            "citation-engine": lambda: (base.with_(llm="local", llm_model="qwen2.5-1.5b"), "engine"),
        }
        for name in args.rows.split(","):
            settings, kind = rows[name]()
            ask = citation_engine(settings) if kind == "engine" else (lambda q, s=settings: api.ask(q, settings=s))
            ask(questions[0].question)  # load the model and warm its prompt cache, not timed
            results.append(run_row(name, questions, ask))
            a, lat = results[-1]["answers"], results[-1]["latency_ms"]
            print(
                f"{name:16} acc ar {a['ar']['answer_accuracy']:.2f} en {a['en']['answer_accuracy']:.2f} | "
                f"cit.prec {a['all']['citation_precision']:.2f} cov {a['all']['citation_coverage']:.2f} | "
                f"lang {a['all']['language_match']:.2f} | abst {a['abstention_accuracy']:.2f} false {a['false_abstention']:.2f} | "
                f"first {lat['first_token_p50']:.0f} ms, answer p50 {lat['answer_p50']:.0f} p95 {lat['answer_p95']:.0f} ms",
                flush=True,
            )
    out = {"questions": len(questions), "file": Path(args.questions).name, "time": time.strftime("%Y-%m-%d"), "rows": results}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
