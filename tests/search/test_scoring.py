"""How passages and sentences are scored: the fitted weights, their settings,
and hybrid fusion on a small fixed corpus with the real models."""

import pytest

from rag.app import api
from rag.core.config import ScoreWeights, SentenceWeights, Settings
from rag.search.dense import mix
from rag.search.kinds import candidates
from rag.search.retrieval import sentence_score


@pytest.mark.parametrize(
    "text, problem",
    [
        ("passage=1 sentence=1 latent_sentence=0.5 latent_passage=0 lexical=0.75", None),
        ("passage=1,sentence=1,latent_sentence=0.5,latent_passage=0,lexical=0.75", None),  # commas work too
        ("passage=1 sentence=1 latent_sentence=0.5 latent_passage=0", "missing lexical"),
        ("passage=1 sentence=1 latent_sentence=0.5 latent_passage=0 lexical=0.75 bm25=1", "unknown weight 'bm25'"),
        ("passage=1 sentence=x latent_sentence=0.5 latent_passage=0 lexical=0.75", "'sentence=x' is not name=number"),
    ],
)
def test_score_weights_parse_or_say_what_is_wrong(text, problem):
    if problem is None:
        assert ScoreWeights.parse(text) == ScoreWeights(1.0, 1.0, 0.5, 0.0, 0.75)
    else:
        with pytest.raises(ValueError, match=problem):
            ScoreWeights.parse(text)


def test_a_weight_added_later_may_be_left_out():
    """Sentence weights written before `kind` existed still load, with kind 0."""
    old = SentenceWeights.parse("similarity=1 latent=0.5 passage_rank=0.05 overlap=0.6 short=-0.05")
    assert old.kind == 0.0 and SentenceWeights.parse("similarity=1 latent=0 passage_rank=0 overlap=0 short=0 kind=0.1").kind == 0.1


def test_bad_weights_fail_when_settings_load(monkeypatch):
    monkeypatch.setenv("RAG_WEIGHTS_EN", "passage=1")
    with pytest.raises(ValueError, match="RAG_WEIGHTS_EN"):
        Settings.from_env()
    monkeypatch.delenv("RAG_WEIGHTS_EN")
    monkeypatch.setenv("RAG_LATENT", "maybe")
    with pytest.raises(ValueError, match="RAG_LATENT"):
        Settings.from_env()


@pytest.mark.parametrize(
    "weights, latent, expected",
    [
        (ScoreWeights(1, 1, 0, 0, 1), None, 0.7),  # mean of passage 0.6 and sentence 0.8
        (ScoreWeights(1, 0, 0, 0, 1), None, 0.6),  # passage only
        (ScoreWeights(1, 1, 1, 1, 1), (0.2, 0.4), 0.5),  # all four cosines
        (ScoreWeights(1, 1, 1, 1, 1), None, 0.7),  # an index without latent terms: the dense pair alone
    ],
)
def test_mix_is_a_weighted_mean_of_what_there_is(weights, latent, expected):
    assert mix(weights, 0.6, 0.8, latent) == pytest.approx(expected)


@pytest.mark.parametrize(
    "similarity, latent, rank, overlap, words, expected",
    [
        (0.8, 0.5, 1, 0.5, 20, 0.8 + 0.25 + 0.05 + 0.2),  # every feature counts
        (0.8, 0.5, 5, 0.5, 20, 0.8 + 0.25 + 0.01 + 0.2),  # a lower passage counts less
        (0.8, 0.5, 1, 0.5, 4, 0.8 + 0.25 + 0.05 + 0.2 - 0.1),  # a heading-length sentence loses a little
    ],
)
def test_sentence_score(similarity, latent, rank, overlap, words, expected):
    weights = SentenceWeights(similarity=1, latent=0.5, passage_rank=0.05, overlap=0.4, short=-0.1)
    assert sentence_score(weights, similarity, latent, rank, overlap, words) == pytest.approx(expected)


@pytest.mark.parametrize("kind, expected", [(True, 0.8 + 0.1), (False, 0.8)])
def test_a_sentence_holding_the_kind_asked_for_gains_its_weight(kind, expected):
    weights = SentenceWeights(similarity=1, latent=0, passage_rank=0, overlap=0, short=0, kind=0.1)
    assert sentence_score(weights, 0.8, 0.0, 1, 0.0, 20, kind) == pytest.approx(expected)


# Four near-identical Arabic reports that differ in the port and the number.
PORTS = {
    "jeddah.txt": "ميناء جدة في عام\n\nاستقبل ميناء جدة الإسلامي 4350 سفينة تجارية خلال العام الماضي، وفق هيئة الموانئ. وقالت الهيئة إن حركة الحاويات ارتفعت.",
    "dammam.txt": "ميناء الدمام في عام\n\nاستقبل ميناء الملك عبد العزيز في الدمام 2710 سفن تجارية خلال العام الماضي، وفق هيئة الموانئ. وقالت الهيئة إن حركة الحاويات ارتفعت.",
    "aqaba.txt": "ميناء العقبة في عام\n\nاستقبل ميناء العقبة 1980 سفينة تجارية خلال العام الماضي، وفق سلطة المنطقة. وقالت السلطة إن حركة الحاويات ارتفعت.",
    "salalah.txt": "ميناء صلالة في عام\n\nاستقبل ميناء صلالة 3125 سفينة تجارية خلال العام الماضي، وفق هيئة الموانئ. وقالت الهيئة إن حركة الحاويات ارتفعت.",
}


@pytest.fixture(scope="module")
def ports(tmp_path_factory) -> Settings:
    from tests.conftest import make_settings

    tmp = tmp_path_factory.mktemp("ports")
    (tmp / "seeds").mkdir()
    for name, text in PORTS.items():
        (tmp / "seeds" / name).write_text(text, encoding="utf-8")
    settings = make_settings(tmp)
    api.build_index(settings=settings)
    return settings


@pytest.mark.parametrize(
    "question, doc",
    [
        ("Which port received 4350 commercial ships last year?", "jeddah"),  # English: only the number is shared
        ("Which port received 2710 commercial ships last year?", "dammam"),
        ("أي ميناء استقبل 3125 سفينة تجارية العام الماضي؟", "salalah"),  # Arabic: the number and the words
    ],
)
def test_a_number_carries_a_question_to_the_arabic_passage(ports, question, doc):
    hybrid = api.retrieve(question, k=4, settings=ports)
    assert hybrid[0].doc_id == doc and "lexical" in hybrid[0].retriever
    assert api.retrieve(question, k=1, settings=ports, mode="lexical")[0].doc_id == doc


def test_the_answering_sentence_ranks_first(ports):
    question = "كم سفينة استقبل ميناء العقبة العام الماضي؟"
    passages = api.retrieve(question, k=4, settings=ports)
    best = api.rank_sentences(question, passages, settings=ports)[0]
    assert "1980" in best.text and best.score >= best.similarity


KIND_ONLY = "similarity=0 latent=0 passage_rank=0 overlap=0 short=0 kind=1"


@pytest.mark.parametrize(
    "question, gains",
    [
        ("How many ships did the port of Jeddah receive last year?", True),
        ("كم سفينة استقبل ميناء جدة العام الماضي؟", True),
        ("Who said that container traffic rose?", False),  # a name is not found by its form
        ("من قال إن حركة الحاويات ارتفعت؟", False),
    ],
)
def test_sentences_holding_the_number_asked_for_gain_the_kind_weight(ports, question, gains):
    """The kind feature alone: for a "how many" the sentences holding a number
    (rag.search.kinds; 1980 ships is a count, not a year) score its weight and
    rank first; other questions gain nothing."""
    settings = ports.with_(sentence_weights_ar=KIND_ONLY, sentence_weights_en=KIND_ONLY)
    ranked = api.rank_sentences(question, api.retrieve(question, k=4, settings=ports), settings=settings)
    holding = [s for s in ranked if candidates(s.text, question)]
    assert [s.score for s in ranked] == [1.0] * len(holding) + [0.0] * (len(ranked) - len(holding))
    assert ranked[: len(holding)] == holding
    assert bool(holding) == gains and (not gains or any("1980" in s.text for s in holding))
