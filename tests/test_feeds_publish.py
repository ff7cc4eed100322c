"""Publishing: atomic, only when bytes change; failures stay local; index.html, OPML; the CLI."""

from __future__ import annotations

import os
import stat
import time

import lxml.etree
import lxml.html
import pytest
from click.testing import CliRunner

import feeds.atom
import feeds.regenerate
from crawler.classify import load_rules
from feeds import generate, load_definitions
from feeds.publish import publish, remove_stale_temp_files
from storage import Store
from tests.feeds_support import BOTH, assert_valid_atom, make_article, save
from tintuc.cli import cli

BASE = "http://127.0.0.1:8080/"
RULES = load_rules()


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "t.db") as opened:
        save(opened, make_article("20261101150000001"), topics=BOTH)
        save(opened, make_article("20261102150000002", title="Rác thải nhựa"))
        yield opened


def snapshot(out):
    return {
        p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def test_publish_writes_atomically_and_only_when_the_bytes_change(tmp_path):
    path = tmp_path / "a" / "f.atom"
    assert publish(path, b"one") is True
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    before = path.stat().st_mtime_ns
    time.sleep(0.01)
    assert publish(path, b"one") is False and path.stat().st_mtime_ns == before
    assert publish(path, b"two") is True and path.read_bytes() == b"two"
    assert [p.name for p in path.parent.iterdir()] == ["f.atom"]  # no temporary file left


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "f.atom"
    publish(path, b"old")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        publish(path, b"new")
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["f.atom"]


def test_stale_temporary_files_are_cleaned_up_but_fresh_ones_kept(tmp_path):
    old, fresh = tmp_path / ".f.atom.abc.tmp", tmp_path / ".g.atom.def.tmp"
    old.write_bytes(b"x")
    fresh.write_bytes(b"y")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    assert remove_stale_temp_files(tmp_path) == [old]
    assert fresh.exists()


def test_regenerating_an_unchanged_store_touches_nothing(store, tmp_path):
    definitions, _ = load_definitions(None, RULES)
    out = tmp_path / "out"
    first = generate(store, definitions, out, base_url=BASE)
    slugs = ("moi-truong", "viet-nam-nhat-ban", "tat-ca", "moi-truong-va-viet-nhat")
    assert first.ok and set(first.written) == {
        *(f"{slug}.atom" for slug in slugs),
        *(f"{slug}.opml" for slug in slugs),
        *(f"{slug}/index.html" for slug in slugs),
        "index.html",
        "feeds.opml",
        "style.css",
        "favicon.svg",
    }
    before = snapshot(out)
    time.sleep(0.01)
    second = generate(store, definitions, out, base_url=BASE)
    assert second.written == [] and second.pages == [] and len(second.unchanged) == 16
    assert snapshot(out) == before
    assert (
        first.feeds["tat-ca"].entries == 2 and first.feeds["moi-truong-va-viet-nhat"].entries == 1
    )


def test_a_broken_query_fails_that_feed_only_and_keeps_its_previous_file(store, tmp_path):
    out = tmp_path / "out"
    good = [{"slug": "tim", "query": "rac thai"}, {"slug": "khac", "topics": ["environment"]}]
    definitions, _ = load_definitions(good, RULES)
    generate(store, definitions, out, base_url=BASE)
    previous = (out / "tim.atom").read_bytes()
    broken = [{"slug": "tim", "query": 'rac AND ("thai'}, good[1]]
    definitions, errors = load_definitions(broken, RULES)
    assert not errors  # only the database can tell
    save(store, make_article("20261103150000003"))
    report = generate(store, definitions, out, base_url=BASE)
    assert report.failed == ["tim"] and not report.ok
    assert len(report.errors) == 1 and report.errors[0].startswith(
        "feed 'tim': invalid full-text query"
    )
    assert 'rac AND ("thai' in report.errors[0]
    assert (out / "tim.atom").read_bytes() == previous
    assert "khac.atom" in report.written and report.feeds["khac"].entries == 3
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "tim.atom" in index  # still listed, from its previous file


def test_a_document_failing_the_runtime_check_is_not_published(store, tmp_path, monkeypatch):
    out = tmp_path / "out"
    definitions, _ = load_definitions(None, RULES)
    real_render = feeds.atom.render

    def render(document):
        data = real_render(document)
        if "moi-truong.atom" in document.self_url and "va-viet" not in document.self_url:
            return data.replace(b"<updated>", b"<updated>not a date", 1)
        return data

    monkeypatch.setattr(feeds.atom, "render", render)
    report = generate(store, definitions, out, base_url=BASE)
    assert report.failed == ["moi-truong"]
    assert "invalid Atom, not published: feed: updated is not an RFC 3339 time" in report.errors[0]
    assert not (out / "moi-truong.atom").exists()
    assert {"viet-nam-nhat-ban.atom", "tat-ca.atom", "moi-truong-va-viet-nhat.atom"} <= set(
        report.written
    )


def test_an_unexpected_error_in_one_feed_does_not_stop_the_others(store, tmp_path, monkeypatch):
    real_build = feeds.regenerate.build_feed

    def build_feed(store, definition, *args):
        if definition.slug == "tat-ca":
            raise RuntimeError("boom")
        return real_build(store, definition, *args)

    monkeypatch.setattr(feeds.regenerate, "build_feed", build_feed)
    definitions, _ = load_definitions(None, RULES)
    report = generate(store, definitions, tmp_path / "out", base_url=BASE)
    assert report.failed == ["tat-ca"] and report.errors == ["feed 'tat-ca': RuntimeError: boom"]
    assert len(report.feeds) == 3


def test_index_html_lists_every_feed_with_autodiscovery(store, tmp_path):
    definitions, _ = load_definitions(None, RULES)
    generate(store, definitions, tmp_path / "out", base_url=BASE)
    page = lxml.html.fromstring((tmp_path / "out" / "index.html").read_bytes())
    assert page.get("lang") == "vi"
    discovered = {
        link.get("href"): link.get("title") for link in page.xpath("//head/link[@rel='alternate']")
    }
    assert all(
        link.get("type") == "application/atom+xml"
        for link in page.xpath("//head/link[@rel='alternate']")
    )
    assert list(discovered) == [BASE + f"{d.slug}.atom" for d in definitions]
    for definition in definitions:
        section = page.get_element_by_id(definition.slug)
        text = section.text_content()
        assert definition.title in text and definition.subtitle in text
    assert "2 bài mới nhất" in page.get_element_by_id("tat-ca").text_content()
    assert not page.xpath("//script")


def test_the_opml_file_lists_every_feed(store, tmp_path):
    definitions, _ = load_definitions(None, RULES)
    generate(store, definitions, tmp_path / "out", base_url=BASE)
    root = lxml.etree.parse(str(tmp_path / "out" / "feeds.opml")).getroot()
    assert root.tag == "opml" and root.get("version") == "2.0"
    outlines = root.findall("body/outline")
    assert [o.get("xmlUrl") for o in outlines] == [BASE + f"{d.slug}.atom" for d in definitions]
    assert all(o.get("type") == "rss" and o.get("text") for o in outlines)


@pytest.mark.shared("schemas")
def test_the_cli_publishes_good_feeds_and_fails_naming_the_bad_definition(store, tmp_path):
    config = tmp_path / "tintuc.toml"
    config.write_text(
        '[feeds]\nbase_url = "https://tin.example/"\n\n'
        '[[feed]]\nslug = "moi"\ntopics = ["environment"]\n\n'
        '[[feed]]\nslug = "sai"\ntopics = ["moi-truong"]\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["--config", str(config), "feeds", "--db", store.path, "--out", str(out)]
    )
    assert result.exit_code == 1, result.output
    assert "feed #2 'sai': unknown topic 'moi-truong'" in result.output
    data = (out / "moi.atom").read_bytes()
    assert_valid_atom(data)
    assert b'href="https://tin.example/moi.atom" rel="self"' in data


def test_the_cli_refuses_a_missing_database_instead_of_creating_one(tmp_path):
    result = CliRunner().invoke(
        cli, ["feeds", "--db", str(tmp_path / "none.db"), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1 and "no database there" in result.output
    assert not (tmp_path / "none.db").exists()


def test_the_cli_reads_options_from_the_environment(store, tmp_path):
    env = {
        "TINTUC_DB": store.path,
        "TINTUC_OUT": str(tmp_path / "env-out"),
        "TINTUC_BASE_URL": "https://e.example/x",
    }
    result = CliRunner().invoke(cli, ["feeds"], env=env)
    assert result.exit_code == 0, result.output
    assert b"https://e.example/x/tat-ca.atom" in (tmp_path / "env-out" / "tat-ca.atom").read_bytes()
    bad = CliRunner().invoke(cli, ["feeds", "--base-url", "ftp://x"], env=env)
    assert bad.exit_code == 1 and "base URL must be an absolute http(s) URL" in bad.output
