"""The evaluator: labelled JSON Lines in, per-topic precision/recall and readable misses out."""

from __future__ import annotations

import json

import pytest

from core.model import Article
from crawler.classify import explain, parse_rules
from crawler.evaluate import (
    Confusion,
    LabelledError,
    LabelledText,
    confusion,
    evaluate,
    load_labelled,
)

# A toy rule set: "sông" counts 1, "ô nhiễm sông" 3; threshold 3.
RULES = parse_rules({"topics": {"river": {
    "threshold": 3,
    "terms": [{"weight": 3, "phrases": ["ô nhiễm sông"]}, {"weight": 1, "phrases": ["sông"]},
              {"weight": -2, "phrases": ["ca khúc"]}],
}}})


def labelled(id_, title, body="", river=True):
    return LabelledText(id=id_, title=title, sapo="", body=body, tags=(), labels=(("river", river),))


def test_confusion_counts_pairs_of_truth_and_prediction():
    counts = confusion([True, True, False, False, True], [True, False, True, False, True])
    assert counts == Confusion(true_positives=2, false_positives=1, false_negatives=1, true_negatives=1)
    assert counts.precision == pytest.approx(2 / 3)
    assert counts.recall == pytest.approx(2 / 3)
    assert counts.f1 == pytest.approx(2 / 3)


def test_figures_without_any_positive_are_defined():
    nothing = confusion([False, False], [False, False])
    assert (nothing.precision, nothing.recall) == (1.0, 1.0)
    all_wrong = confusion([True], [False])
    assert (all_wrong.precision, all_wrong.recall, all_wrong.f1) == (1.0, 0.0, 0.0)


def test_confusion_refuses_unpaired_lists():
    with pytest.raises(ValueError):
        confusion([True], [True, False])


def test_evaluate_reports_counts_and_explains_each_miss():
    items = [
        labelled("a", "Ô nhiễm sông Tô Lịch"),  # true positive
        labelled("b", "Dòng sông quê", "Làng bên bờ.", river=True),  # false negative: 2 × 1 (headline)
        labelled("c", "Ô nhiễm sông trong ca khúc mới", river=False),  # false positive
        labelled("d", "Giá vàng", river=False),  # true negative
    ]
    result = evaluate(items, RULES)
    report = result.topic("river")
    assert report.counts == Confusion(1, 1, 1, 1)
    assert (report.precision, report.recall) == (0.5, 0.5)
    by_id = {miss.id: miss for miss in report.misses}
    assert by_id["b"].kind == "false negative"
    assert (by_id["b"].score, by_id["b"].threshold, by_id["b"].terms) == (2.0, 3.0, ("sông",))
    assert by_id["c"].kind == "false positive"
    assert by_id["c"].terms[0] == "ô nhiễm sông"
    assert json.loads(json.dumps(result.as_dict()))["topics"][0]["precision"] == 0.5
    assert "river: precision 0.500 recall 0.500" in result.summary()


def test_an_item_without_a_label_for_a_topic_is_left_out_of_it():
    unlabelled = LabelledText(id="x", title="Ô nhiễm sông", sapo="", body="", tags=(), labels=())
    assert evaluate([unlabelled], RULES).topic("river").counts == Confusion(0, 0, 0, 0)


def test_explain_gives_the_tally_even_below_the_threshold():
    (why,) = explain(Article("1", "", "Sông Hồng", "", ""), RULES)
    assert (why.matched, why.score, why.terms) == (False, 2.0, ("sông",))


def test_load_labelled_tolerates_missing_sapo_and_tags(tmp_path):
    path = tmp_path / "l.jsonl"
    rows = [{"id": "k1", "title": "T", "body": "B", "labels": {"river": True}},
            {"title": "U", "sapo": "S", "body": "", "tags": ["x"], "labels": {"river": False}}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n", encoding="utf-8")
    first, second = load_labelled(path)
    assert (first.id, first.sapo, first.tags, first.label("river")) == ("k1", "", (), True)
    assert (second.id, second.sapo, second.tags, second.label("river")) == ("line 2", "S", ("x",), False)


@pytest.mark.parametrize(("line", "message"), [
    ("{not json", r"l.jsonl:2: not valid JSON"),
    ('["a list"]', r"l.jsonl:2: expected a JSON object"),
    ('{"title": "T", "body": "B"}', r"l.jsonl:2: missing field 'labels'"),
    ('{"title": "T", "body": "B", "labels": {"river": "yes"}}', r"l.jsonl:2: 'labels' must map"),
    ('{"title": "T", "body": "B", "tags": "x", "labels": {}}', r"l.jsonl:2: .*'tags' a list"),
])
def test_load_labelled_names_the_bad_line(tmp_path, line, message):
    path = tmp_path / "l.jsonl"
    path.write_text('{"title": "T", "body": "B", "labels": {}}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(LabelledError, match=message):
        load_labelled(path)


def test_load_labelled_names_an_unreadable_file(tmp_path):
    with pytest.raises(LabelledError, match="cannot read"):
        load_labelled(tmp_path / "absent.jsonl")
