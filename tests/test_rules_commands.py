"""`tintuc classify` and `tintuc eval`: the rule author's tools, run through the real command line."""

from __future__ import annotations

import json

import pytest

from replica import shared
from tests.conftest import tintuc_here

TEXTS = [
    {"id": "a", "title": "Hà Nội: ô nhiễm không khí ở mức nguy hại",
     "sapo": "Chỉ số bụi mịn PM2.5 vượt ngưỡng an toàn nhiều ngày liền, người dân được khuyến cáo hạn chế ra đường."},
    {"id": "b", "title": "Giá vàng hôm nay tăng nhẹ", "body": "Thị trường vàng trong nước ổn định."},
    {"id": "c", "title": "Việt Nam và Nhật Bản ký kết hợp tác đào tạo nhân lực",
     "sapo": "Hai nước nhất trí mở rộng chương trình thực tập sinh kỹ năng và trao đổi giáo viên."},
]


def jsonl(rows) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def test_classify_reads_json_lines_and_says_why(tmp_path):
    texts = tmp_path / "texts.jsonl"
    texts.write_text(jsonl(TEXTS), encoding="utf-8")
    out = [json.loads(line) for line in tintuc_here("classify", str(texts), "--json").stdout.splitlines()]
    assert [row["id"] for row in out] == ["a", "b", "c"]
    assert [[t["topic"] for t in row["topics"]] for row in out] == [["environment"], [], ["vietnam-japan"]]
    environment = out[0]["topics"][0]
    assert environment["score"] > 0 and "ô nhiễm không khí" in environment["terms"]
    assert {t["topic"] for t in out[1]["tallies"]} == {"environment", "vietnam-japan"}
    text = tintuc_here("classify", str(texts)).stdout.splitlines()
    assert text[1] == "Giá vàng hôm nay tăng nhẹ → no topic"
    assert text[0].startswith("Hà Nội: ô nhiễm không khí ở mức nguy hại → environment ")


def test_classify_names_a_bad_line_and_goes_on(tmp_path):
    texts = tmp_path / "texts.jsonl"
    texts.write_text(jsonl(TEXTS[:1]) + "{not json\n" + jsonl([{"sapo": "no title"}]) + jsonl(TEXTS[1:2]),
                     encoding="utf-8")
    result = tintuc_here("classify", str(texts), check=False)
    assert result.returncode == 1
    assert len(result.stdout.splitlines()) == 2  # the good lines
    errors = result.stderr.splitlines()
    assert errors[0].startswith(f"error: {texts}:2: ") and errors[1].startswith(f"error: {texts}:3: needs a `title`")


def test_classify_tries_an_edited_rules_file(tmp_path):
    from importlib import resources

    rules = resources.files("crawler").joinpath("topics.toml").read_text(encoding="utf-8")
    strict = tmp_path / "strict.toml"
    strict.write_text(rules.replace("threshold = 6", "threshold = 6000"), encoding="utf-8")
    texts = tmp_path / "texts.jsonl"
    texts.write_text(jsonl(TEXTS[:1]), encoding="utf-8")
    assert tintuc_here("classify", str(texts), "--topics", str(strict)).stdout.endswith("→ no topic\n")


def test_eval_gives_precision_recall_and_the_misses(tmp_path):
    labelled = tmp_path / "labelled.jsonl"
    rows = [{**row, "body": row.get("body", ""), "labels": {"environment": row["id"] == "a",
                                                             "vietnam-japan": row["id"] in ("c", "b")}}
            for row in TEXTS]  # "b" is mislabelled on purpose: a miss to report
    labelled.write_text(jsonl(rows), encoding="utf-8")
    result = json.loads(tintuc_here("eval", str(labelled), "--json").stdout)
    by_topic = {t["topic"]: t for t in result["topics"]}
    assert (by_topic["environment"]["precision"], by_topic["environment"]["recall"]) == (1.0, 1.0)
    assert (by_topic["vietnam-japan"]["precision"], by_topic["vietnam-japan"]["recall"]) == (1.0, 0.5)
    assert [m["id"] for m in by_topic["vietnam-japan"]["misses"]] == ["b"]
    text = tintuc_here("eval", str(labelled)).stdout
    assert "vietnam-japan: precision 1.000 recall 0.500" in text
    assert "vietnam-japan false negative: b Giá vàng hôm nay tăng nhẹ" in text


def test_eval_refuses_a_malformed_file_naming_the_line(tmp_path):
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text('{"title": "x", "body": "y"}\n', encoding="utf-8")
    result = tintuc_here("eval", str(labelled), check=False)
    assert result.returncode == 1 and result.stderr == f"Error: {labelled}:1: missing field 'labels'\n"


@pytest.mark.shared("real-texts")
def test_eval_on_the_development_set_meets_the_targets():
    result = json.loads(tintuc_here("eval", str(shared.material("real-texts")), "--json").stdout)
    assert result["items"] == 157
    for topic in result["topics"]:
        assert topic["precision"] >= 0.95 and topic["recall"] >= 0.95, topic["topic"]
