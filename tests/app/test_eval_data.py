"""The question files the benchmarks choose defaults on are sound: an answerable
question's evidence and answers are in the articles it names, an unanswerable one
names none, and ids are unique. A broken line would silently move a fitted
threshold or a reported figure."""

from functools import cache
from pathlib import Path

import pytest

from rag.app.evaluation import answer_is_correct, contains_any, load_questions

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "eval"
# Each question file and the folder of the articles its questions are about.
FILES = {
    "dev.jsonl": ROOT / "seeds",
    "followups-dev.jsonl": ROOT / "seeds",
    "own/followups.jsonl": ROOT / "seeds",
    "own/unanswerable-news.jsonl": ROOT / "seeds",
    "xquad-dev/questions.jsonl": EVAL / "xquad-dev" / "seeds",
    "xquad-dev/answers_sample.jsonl": EVAL / "xquad-dev" / "seeds",
    "own/followups-xquad.jsonl": EVAL / "xquad-dev" / "seeds",
    "own/unanswerable-xquad.jsonl": EVAL / "xquad-dev" / "seeds",
}


@cache
def _article(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_every_question_file_is_listed():
    assert {str(p.relative_to(EVAL)) for p in EVAL.rglob("*.jsonl")} == set(FILES)


@pytest.mark.parametrize("name", sorted(FILES))
def test_questions_are_grounded_in_their_articles(name):
    seeds = FILES[name]
    for q in load_questions(EVAL / name):
        if not q.answerable:
            assert not q.docs and not q.answers, q.id
            continue
        articles = " ".join(_article(seeds / f"{doc}.txt") for doc in q.docs)
        assert contains_any(articles, q.evidence), f"{q.id}: no evidence alternative in {q.docs}"
        # Our own files promise every answer group is in the article; xquad's and the
        # news dev set's are the datasets' own (an English alternative may be a translation).
        if name.startswith("own/"):
            assert answer_is_correct(articles, q.answers), f"{q.id}: an answer group is not in {q.docs}"


def test_ids_are_unique_across_the_files():
    ids = [q.id for name in FILES for q in load_questions(EVAL / name) if name != "xquad-dev/answers_sample.jsonl"]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("name", ["own/unanswerable-news.jsonl", "own/unanswerable-xquad.jsonl", "own/followups-xquad.jsonl"])
def test_our_files_ask_in_both_languages_alike(name):
    langs = [q.lang for q in load_questions(EVAL / name)]
    assert langs.count("ar") == langs.count("en")
