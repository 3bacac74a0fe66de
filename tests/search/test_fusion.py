import pytest

from rag.search.fusion import collapse_near_duplicates, containment, reciprocal_rank_fusion


@pytest.mark.parametrize(
    "rankings, weights, order",
    [
        ({"dense": ["a", "b", "c"], "lexical": ["c", "b", "a"]}, {}, ["a", "c", "b"]),  # a and c tie: first seen wins
        ({"dense": ["a", "b", "c"], "lexical": ["c", "x"]}, {}, ["c", "a", "b", "x"]),  # found twice beats once
        ({"dense": ["a", "b"], "lexical": ["b"]}, {"lexical": 0}, ["a", "b"]),  # weight 0: lexical ignored
        ({"dense": ["a", "b"], "lexical": ["b", "c"]}, {"dense": 1, "lexical": 0.2}, ["b", "a", "c"]),
        ({"dense": [], "lexical": ["z"]}, {}, ["z"]),
        ({"dense": ["a", "a", "b"]}, {}, ["a", "b"]),  # repeated ids count once
    ],
)
def test_rrf_order(rankings, weights, order):
    assert [f.id for f in reciprocal_rank_fusion(rankings, weights)] == order


def test_rrf_scores_and_sources():
    fused = reciprocal_rank_fusion({"dense": ["a"], "lexical": ["a", "b"]}, {"dense": 1.0, "lexical": 0.5}, k=10)
    assert fused[0].id == "a" and fused[0].sources == ("dense", "lexical")
    assert fused[0].score == pytest.approx(1 / 11 + 0.5 / 11, abs=1e-6)
    assert fused[1].sources == ("lexical",)


@pytest.mark.parametrize(
    "a, b, value",
    [({"x", "y"}, {"x", "y", "z"}, 1.0), ({"x", "y"}, {"y", "z"}, 0.5), (set(), {"x"}, 0.0)],
)
def test_containment(a, b, value):
    assert containment(a, b) == value


def test_collapse_near_duplicates():
    tokens = {
        "caption": {"كيم", "يصافح", "لافروف", "بيونغ"},
        "caption-again": {"كيم", "يصافح", "لافروف", "بيونغ", "رويترز"},
        "other": {"حاويات", "كيربي"},
        "english": {"kim", "lavrov"},
    }
    assert collapse_near_duplicates(["caption", "caption-again", "other", "english"], tokens) == ["caption", "other", "english"]
    assert collapse_near_duplicates(["caption", "caption-again", "other", "english"], tokens, limit=2) == ["caption", "other"]
