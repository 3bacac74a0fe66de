"""The prompts the model reads, from the top-level prompts/ folder (edit them there)."""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path

from rag.answer.evidence import Evidence
from rag.core.config import CHECKOUT
from rag.search.questions import answer_kind


def _prompts_dir() -> Path:
    """The checkout's prompts/ (edited in place), else the copy an installed
    wheel puts under its prefix (pyproject.toml, [tool.setuptools.data-files])."""
    checkout = CHECKOUT / "prompts"
    installed = Path(sys.prefix) / "share" / "rag-news" / "prompts"
    return checkout if checkout.is_dir() or not installed.is_dir() else installed


PROMPTS = _prompts_dir()
LANGUAGE_NAMES = {"ar": "Arabic", "en": "English"}


@cache
def prompt(name: str) -> str:
    path = PROMPTS / name
    if not path.exists():
        raise FileNotFoundError(f"The prompt file {path} is missing.")
    return path.read_text(encoding="utf-8").strip()


def not_found(language: str) -> str:
    return prompt(f"not_found.{language}.txt")


@cache
def small_talk_reply(kind: str, language: str) -> str:
    """The reply to a greeting or thanks (rag.search.questions.small_talk)."""
    return json.loads(prompt("small_talk.json"))[kind][language]


def build_messages(evidence: list[Evidence], question: str, language: str, previous: str = "") -> list[dict]:
    """System rules and worked examples (a fixed prefix llama.cpp keeps cached),
    then the evidence and the question."""
    asked = f"{question}\n(This follows the earlier question: {previous})" if previous else question
    examples = json.loads(prompt("examples.json"))
    messages = [{"role": "system", "content": prompt("system.txt")}]
    for turn in examples["turns"]:
        user = _user_message(examples["passages"], turn["question"], turn["question"], turn["language"])
        messages += [{"role": "user", "content": user}, {"role": "assistant", "content": turn["answer"]}]
    passages = "\n".join(e.render() for e in evidence)
    return messages + [{"role": "user", "content": _user_message(passages, asked, question, language)}]


def _user_message(passages: str, asked: str, question: str, language: str) -> str:
    kind = answer_kind(question)
    hint = prompt("kind.txt").format(kind=kind) if kind else ""
    return prompt("question.txt").format(passages=passages, question=asked, language=LANGUAGE_NAMES[language], kind=" " + hint if hint else "")


def translation_messages(sentence: str) -> list[dict]:
    """The translation prompt: rules and two worked examples (a fixed prefix
    the model keeps cached), then the sentence. The reader's question is not
    shown: with it, the bundled model answered the question instead."""
    messages = [{"role": "system", "content": prompt("translate.txt")}]
    for turn in json.loads(prompt("translate_examples.json"))["turns"]:
        messages += [{"role": "user", "content": _translation_request(turn["arabic"])}, {"role": "assistant", "content": turn["english"]}]
    return messages + [{"role": "user", "content": _translation_request(sentence)}]


def judge_messages(question: str, sentences: list[str], previous: str = "") -> list[dict]:
    """Does the text answer the question? The best sentences of the evidence
    and the question; the model replies yes or no (LLM.yes_probability)."""
    text = "\n".join(f"- {s}" for s in sentences)
    asked = f"{question}\n(This follows the earlier question: {previous})" if previous else question
    request = f"Text:\n{text}\n\nQuestion: {asked}\n\nDoes the text state the answer to the question? Reply yes or no."
    return [{"role": "system", "content": prompt("judge.txt")}, {"role": "user", "content": request}]


def likelihood_prompt(sentence: str) -> str:
    """The text a question follows in the model's rerank (pipeline.question_likelihood):
    plain text, not a chat, so the question's tokens are read as the passage's continuation."""
    return prompt("likelihood.txt").format(sentence=sentence)


def _translation_request(sentence: str) -> str:
    return f"Arabic: {sentence}\nEnglish:"
