"""Generation backends behind one small interface: chat messages in, text pieces out.

- `local`: llama-cpp-python running a GGUF file in this process (the bundled
  Qwen model by default, fetched by rag.core.models on first use).
- `openai`: any OpenAI-compatible server (llama.cpp server, vLLM, Ollama) by URL,
  the way to scale generation out past one process.
- `none`: no LLM; answers are extractive (rag.answer.pipeline).
"""

from __future__ import annotations

import functools
import json
import math
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.core.config import Settings
from rag.core.models import MODELS, ensure_model


class LLMError(RuntimeError):
    """The generation backend failed; callers fall back to extractive answers."""


class LLM:
    """No model: answers are the verified sentences. `kind` says which backend
    a model is ("local", "openai"), for behaviour; `name` is for display."""

    name = "none"
    kind = "none"

    def stream(self, messages: list[dict], max_tokens: int) -> Iterator[str]:
        raise NotImplementedError

    def yes_probability(self, messages: list[dict]) -> float:
        """P(yes) / (P(yes) + P(no)) for the first token of the model's reply
        to a yes-or-no question: a score to threshold, not only a verdict."""
        raise NotImplementedError

    def continuation_logprob(self, text: str, continuation: str) -> float:
        """The mean log-probability of `continuation`'s tokens after plain
        `text` (no chat template): how likely the model finds one given the
        other, e.g. a question after a passage (query likelihood)."""
        raise NotImplementedError


def _mean_logprob(logits: Any, targets: list[int]) -> float:
    """Rows of logits (one per position before each target token) -> the
    mean log-softmax probability of the targets."""
    import numpy as np

    rows = np.asarray(logits, dtype=np.float64)
    rows -= rows.max(axis=1, keepdims=True)
    logprobs = rows[np.arange(len(targets)), targets] - np.log(np.exp(rows).sum(axis=1))
    return float(logprobs.mean())


# The first token of a yes or a no, as a model may write it.
YES, NO = ("yes", "Yes", "YES"), ("no", "No", "NO")


def _share_of_yes(logprobs: dict[str, float]) -> float:
    """{first token: log-probability} -> the yes share of yes and no; 0.5 when
    the model wrote neither."""
    yes = [math.exp(v) for k, v in logprobs.items() if k.strip() in YES]
    no = [math.exp(v) for k, v in logprobs.items() if k.strip() in NO]
    return sum(yes) / (sum(yes) + sum(no)) if yes or no else 0.5


class LocalLLM(LLM):
    """llama.cpp in-process. One model instance per process; one generation at a
    time (a second caller waits), since two would only share the same cores."""

    kind = "local"

    def __init__(self, model_path: Path, n_ctx: int, threads: int) -> None:
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise LLMError("The local LLM needs llama-cpp-python (installed by scripts/bootstrap.py).") from exc
        self.name = f"local:{model_path.name}"
        self._lock = threading.Lock()
        try:
            self._llm: Any = Llama(model_path=str(model_path), n_ctx=n_ctx, n_threads=threads, n_batch=256, verbose=False)
        except Exception as exc:  # a damaged or foreign file
            raise LLMError(f"Could not load the model {model_path}: {exc}") from exc

    def stream(self, messages: list[dict], max_tokens: int) -> Iterator[str]:
        with self._lock:
            try:
                for chunk in self._llm.create_chat_completion(messages=messages, max_tokens=max_tokens, temperature=0.0, stream=True):
                    piece = chunk["choices"][0]["delta"].get("content")
                    if piece:
                        yield piece
            except Exception as exc:
                raise LLMError(f"The local model failed while generating: {exc}") from exc

    def yes_probability(self, messages: list[dict]) -> float:
        # The logits of the first token, read as it is sampled: llama.cpp keeps
        # only the last position's (logits_all would cost n_ctx x vocabulary floats).
        first: list[Any] = []

        def keep(_ids: Any, scores: Any) -> Any:
            if not first:
                first.append(scores.copy())
            return scores

        with self._lock:
            try:
                self._llm.create_chat_completion(messages=messages, max_tokens=1, temperature=0.0, logits_processor=[keep])
            except Exception as exc:
                raise LLMError(f"The local model failed while judging: {exc}") from exc
        logits = first[0]
        peak = float(logits.max())
        return _share_of_yes({word: float(logits[token]) - peak for word, token in self._first_tokens.items()})

    def continuation_logprob(self, text: str, continuation: str) -> float:
        # The logits of only the continuation's positions, decoded batch by
        # batch on the answering model's own context: logits_all would keep
        # n_ctx x vocabulary floats (600 MB for the 1.5B), a second instance
        # another copy of the weights.
        import numpy as np

        llm = self._llm
        with self._lock:
            try:
                prefix = llm.tokenize(text.encode(), add_bos=True, special=False)
                targets = llm.tokenize((" " + continuation.strip()).encode(), add_bos=False, special=False)
                tokens = (prefix + targets)[-(llm.n_ctx() - 1) :]
                first = max(len(tokens) - len(targets) - 1, 0)  # the position whose logits predict the first target
                n_vocab = llm.n_vocab()
                rows: list[Any] = []
                # What the context holds no longer matches llama-cpp-python's
                # record of it: the next completion reads its prompt anew.
                llm.reset()
                llm._ctx.kv_cache_seq_rm(-1, 0, -1)
                for start in range(0, len(tokens), llm.n_batch):
                    chunk = tokens[start : start + llm.n_batch]
                    llm._batch.set_batch(batch=chunk, n_past=start, logits_all=False)
                    wanted = [first <= start + j < len(tokens) - 1 for j in range(len(chunk))]
                    for j, want in enumerate(wanted[:-1]):  # set_batch always keeps the last position's
                        llm._batch.batch.logits[j] = want
                    llm._ctx.decode(llm._batch)
                    kept = sum(wanted[:-1]) + 1
                    out = np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(kept * n_vocab,)).reshape(kept, n_vocab)
                    # copies: the next decode overwrites the buffer
                    rows.extend(np.array(row) for row in (out if wanted[-1] else out[:-1]))
            except Exception as exc:
                raise LLMError(f"The local model failed while scoring: {exc}") from exc
        return _mean_logprob(rows, tokens[first + 1 :])

    @functools.cached_property
    def _first_tokens(self) -> dict[str, int]:
        """{yes / no spelling: its first token id}, tokenized once per model."""
        return {word: self._llm.tokenize(word.encode(), add_bos=False, special=False)[0] for word in YES + NO}


class OpenAILLM(LLM):
    """Streams /v1/chat/completions from an OpenAI-compatible server."""

    kind = "openai"

    def __init__(self, url: str, model: str, api_key: str, timeout: float) -> None:
        self.base = url.rstrip("/")
        if not self.base.endswith("/v1"):
            self.base += "/v1"
        self.model = model or "default"
        self.name = f"openai:{self.model}@{url}"
        self.headers = {"Authorization": f"Bearer {api_key or 'none'}"}
        self.timeout = timeout

    def stream(self, messages: list[dict], max_tokens: int) -> Iterator[str]:
        import httpx

        body = {"model": self.model, "messages": messages, "max_tokens": max_tokens, "temperature": 0.0, "stream": True}
        try:
            with httpx.stream("POST", f"{self.base}/chat/completions", json=body, headers=self.headers, timeout=self.timeout) as response:
                if response.status_code != 200:
                    response.read()
                    raise LLMError(f"The LLM server answered {response.status_code}: {response.text[:300]}")
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    choices = json.loads(data).get("choices") or [{}]
                    piece = (choices[0].get("delta") or {}).get("content")
                    if piece:
                        yield piece
        except httpx.HTTPError as exc:
            raise LLMError(f"Cannot reach the LLM server at {self.base}: {exc}") from exc

    def yes_probability(self, messages: list[dict]) -> float:
        import httpx

        body = {"model": self.model, "messages": messages, "max_tokens": 1, "temperature": 0.0}
        try:
            response = httpx.post(
                f"{self.base}/chat/completions", json=body | {"logprobs": True, "top_logprobs": 10}, headers=self.headers, timeout=self.timeout
            )
            if response.status_code != 200:  # some servers refuse logprobs: ask for the word alone
                response = httpx.post(f"{self.base}/chat/completions", json=body, headers=self.headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise LLMError(f"Cannot reach the LLM server at {self.base}: {exc}") from exc
        if response.status_code != 200:
            raise LLMError(f"The LLM server answered {response.status_code}: {response.text[:300]}")
        choice = (response.json().get("choices") or [{}])[0]
        first = ((choice.get("logprobs") or {}).get("content") or [{}])[0]
        logprobs = {item["token"]: item["logprob"] for item in first.get("top_logprobs") or []}
        if not logprobs:  # a server without logprobs: its word, as a certainty
            reply = ((choice.get("message") or {}).get("content") or "").strip()
            logprobs = {reply.split()[0].strip(".,!:;") if reply else "": 0.0}
        return _share_of_yes(logprobs)

    def continuation_logprob(self, text: str, continuation: str) -> float:
        # The prompt's log-probabilities come only from the legacy completions
        # endpoint with echo, which llama.cpp's server does not implement and
        # llama-cpp-python's returns as a uniform distribution (every token
        # -12, measured): a score that would rerank at random.
        raise LLMError(
            "Reranking by the model needs the prompt's log-probabilities, which OpenAI-compatible servers do not reliably return; use RAG_LLM=local."
        )


def resolve_model_path(settings: Settings) -> Path:
    """RAG_LLM_MODEL: a bundled model key, a .gguf path, or a hub repo ("owner/name:file.gguf")."""
    choice = settings.llm_model
    if choice in MODELS:
        return ensure_model(choice)
    path = Path(choice).expanduser()
    if path.suffix == ".gguf":
        if not path.exists():
            raise LLMError(f"The model file {path} does not exist.")
        return path
    if "/" in choice:  # for users who can reach a model hub
        repo, _, filename = choice.partition(":")
        try:
            from huggingface_hub import hf_hub_download

            return Path(hf_hub_download(repo_id=repo, filename=filename or "*.gguf"))
        except Exception as exc:
            raise LLMError(f"Could not fetch {choice} from the model hub: {exc}") from exc
    raise LLMError(f"RAG_LLM_MODEL={choice!r} is neither a bundled model ({', '.join(MODELS)}) nor a .gguf file.")


def load_llm(settings: Settings) -> LLM:
    """The configured backend, loaded (rag.app.api.Engine keeps it between questions)."""
    if settings.llm == "none":
        return LLM()
    if settings.llm == "openai":
        if not settings.llm_url:
            raise LLMError("RAG_LLM=openai needs RAG_LLM_URL, e.g. http://127.0.0.1:8080/v1")
        return OpenAILLM(settings.llm_url, settings.llm_model if settings.llm_model not in MODELS else "", settings.llm_api_key, settings.llm_timeout)
    if settings.llm == "local":
        return LocalLLM(resolve_model_path(settings), settings.llm_context, settings.llm_threads or os.cpu_count() or 2)
    raise LLMError(f"RAG_LLM={settings.llm!r}: choose local, openai or none.")
