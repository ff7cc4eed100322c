"""Feed definitions: the defaults, every key, and bad definitions failing alone with their name."""

from __future__ import annotations

import pytest

from crawler.classify import load_rules
from feeds import load_definitions
from feeds.definitions import DEFAULT_LIMIT, default_feed_id

RULES = load_rules()


def load(raw):
    return load_definitions(raw, RULES)


def test_defaults_are_one_feed_per_topic_one_for_either_and_one_for_both():
    for raw in (None, []):
        definitions, errors = load(raw)
        assert errors == []
        by_slug = {d.slug: d for d in definitions}
        assert list(by_slug) == [
            "moi-truong",
            "viet-nam-nhat-ban",
            "tat-ca",
            "moi-truong-va-viet-nhat",
        ]
        assert by_slug["moi-truong"].topics == ("environment",)
        assert by_slug["viet-nam-nhat-ban"].topics == ("vietnam-japan",)
        assert set(by_slug["tat-ca"].topics) == {"environment", "vietnam-japan"}
        assert not by_slug["tat-ca"].match_all and by_slug["moi-truong-va-viet-nhat"].match_all
        for definition in definitions:
            assert definition.limit == DEFAULT_LIMIT and definition.archive_page_size == 50
            assert definition.title and definition.subtitle  # Vietnamese, from the topic rules
            assert definition.feed_id == default_feed_id(definition.slug)


def test_defaults_with_topic_names_only_use_the_packaged_labels():
    definitions, errors = load_definitions(None, RULES.names)
    assert not errors and definitions[0].title.startswith("Môi trường")
    assert definitions[0].topic_labels["vietnam-japan"] == "Việt Nam – Nhật Bản"


def test_feed_ids_are_stable_and_do_not_depend_on_the_host():
    assert default_feed_id("moi-truong") == default_feed_id("moi-truong")
    assert default_feed_id("moi-truong").startswith("urn:uuid:")
    assert default_feed_id("moi-truong") != default_feed_id("tat-ca")


def test_a_full_definition_is_read_with_every_key():
    raw = [
        {
            "slug": "rac-thai-nhat-ban",
            "title": "Rác thải & Nhật Bản",
            "subtitle": "Thử",
            "topics": ["environment", "vietnam-japan"],
            "match": "all",
            "categories": ["Thời sự"],
            "tags": "rác thải",
            "query": "rac thai OR nhua",
            "min_score": 6,
            "limit": 20,
            "archive_page_size": 10,
            "link": "https://baotintuc.vn/thoi-su-472ct0.htm",
            "id": "tag:example.org,2026:rac-thai",
        }
    ]
    [definition], errors = load(raw)
    assert errors == []
    assert definition.match_all and definition.tags == ("rác thải",) and definition.min_score == 6.0
    assert definition.limit == 20 and definition.archive_page_size == 10
    assert definition.feed_id == "tag:example.org,2026:rac-thai"
    assert (
        definition.filter.query == "rac thai OR nhua"
        and definition.filter.name == "rac-thai-nhat-ban"
    )


def test_max_age_makes_a_rolling_window_without_archive():
    [definition], errors = load([{"slug": "moi", "topics": ["environment"], "max_age_days": 7}])
    assert not errors and definition.max_age_days == 7 and definition.archive_page_size is None
    assert definition.title == "Môi trường | baotintuc.vn"  # derived from the topic label


@pytest.mark.parametrize(
    "table, message",
    [
        ({"slug": "x", "topics": ["enviroment"]}, "unknown topic 'enviroment'"),
        ({"slug": "x", "topic": ["environment"]}, "unknown key 'topic' (did you mean 'topics'?)"),
        ({"slug": "Bad Slug"}, "slug is required"),
        ({"title": "no slug"}, "slug is required"),
        ({"slug": "x", "limit": 0}, "limit must be a whole number from 1 to 1000"),
        ({"slug": "x", "limit": "50"}, "limit must be a whole number"),
        ({"slug": "x", "limit": True}, "limit must be a whole number"),
        ({"slug": "x", "min_score": -1}, "min_score must be a number >= 0"),
        ({"slug": "x", "min_score": float("nan")}, "min_score must be a number"),
        ({"slug": "x", "max_age_days": 0}, "max_age_days must be a number > 0"),
        ({"slug": "x", "match": "both"}, 'match must be "any" or "all"'),
        ({"slug": "x", "query": "  "}, "query must be a non-empty string"),
        ({"slug": "x", "tags": [""]}, "tags must be a list of non-empty strings"),
        ({"slug": "x", "categories": [1]}, "categories must be a list of non-empty strings"),
        ({"slug": "x", "link": "javascript:alert(1)"}, "link must be an absolute http(s) URL"),
        ({"slug": "x", "id": "not an iri"}, "id must be an absolute IRI"),
        ({"slug": "x", "archive": "yes"}, "archive must be true or false"),
        (
            {"slug": "x", "max_age_days": 3, "archive": True},
            "archive and max_age_days cannot be combined",
        ),
        (
            {"slug": "x", "limit": 10, "archive_page_size": 20},
            "archive_page_size must be a whole number from 1 to 10",
        ),
        ("not a table", "must be a table"),
    ],
)
def test_a_bad_definition_fails_alone_with_a_message_naming_it(table, message):
    good = {"slug": "good", "topics": ["environment"]}
    definitions, errors = load([good, table, {**good, "slug": "good-too"}])
    assert [d.slug for d in definitions] == ["good", "good-too"]
    assert len(errors) == 1 and message in errors[0]
    assert errors[0].startswith("feed #2")
    if isinstance(table, dict) and table.get("slug") == "x":
        assert "feed #2 'x'" in errors[0]


def test_a_duplicate_slug_is_an_error_for_the_later_definition():
    definitions, errors = load([{"slug": "a"}, {"slug": "a", "title": "again"}])
    assert [d.slug for d in definitions] == ["a"]
    assert errors == ["feed #2 'a': slug already used by feed #1"]


def test_configured_feeds_replace_the_defaults():
    definitions, _ = load([{"slug": "chi-mot", "topics": ["environment"]}])
    assert [d.slug for d in definitions] == ["chi-mot"]
