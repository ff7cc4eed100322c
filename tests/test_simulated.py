"""The simulated site (replica/simulated.py): determinism, size, distribution, ground truth that
stays true of the text, and serving on a clock. At 2,000 articles, so that it stays fast; the
50,000-article check runs with TINTUC_SIM_FULL=1."""

from __future__ import annotations

import re
import unicodedata
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import datetime, timedelta
from urllib.parse import quote

import lxml.html
import pytest

from replica import FastClock, ManualClock, ReplicaSite
from replica.__main__ import moment
from replica.corpus import VN_TZ
from replica.render import day_path
from replica.simulated import DEFAULT_END, SHARES, Simulation, generate
from replica.site import tag_keyword

SIZE = 2_000
ENV_WORDS = ("ô nhiễm", "biến đổi khí hậu", "rác thải", "thiên tai", "năng lượng tái tạo",
             "đa dạng sinh học", "xâm nhập mặn", "sạt lở", "bão", "lũ", "rừng", "phát thải",
             "khí nhà kính", "nắng nóng", "san hô", "động vật hoang dã", "nước thải", "carbon",
             "điện gió", "điện mặt trời", "môi trường biển", "tái chế")
ENV_NEVER = ("ô nhiễm", "biến đổi khí hậu", "rác thải", "thiên tai", "năng lượng tái tạo",
             "đa dạng sinh học", "xâm nhập mặn", "sạt lở", "khí nhà kính", "nước thải",
             "bảo vệ rừng", "phát thải")
VJ_NEVER = ("JICA", "ODA", "Đại sứ Nhật Bản", "đầu tư Nhật Bản", "doanh nghiệp Nhật Bản",
            "quan hệ Việt Nam - Nhật Bản", "lao động Việt Nam sang Nhật Bản")


@pytest.fixture(scope="module")
def sim() -> Simulation:
    return generate(SIZE, seed=11)


def text(simulation: Simulation, article_id: str) -> str:
    full = simulation.details(simulation.article(article_id))
    return " ".join([full.title, full.sapo, *full.paragraphs, *full.tags])


def generated(simulation: Simulation):
    return [a for a in simulation.articles if simulation.kind(a.id) != "corpus"]


# -- generation -----------------------------------------------------------------------------------


def test_generation_is_deterministic(sim: Simulation) -> None:
    again = generate(SIZE, seed=11)
    assert again.articles == sim.articles
    sample = sim.articles[:: len(sim.articles) // 25]
    assert [again.details(a) for a in sample] == [sim.details(a) for a in sample]
    other = generate(SIZE, seed=12)
    assert [a.id for a in other.articles] != [a.id for a in sim.articles]


def test_size_period_ids_and_times(sim: Simulation) -> None:
    ours = generated(sim)
    assert len(ours) == SIZE and len(sim.articles) == SIZE + 73  # with the hand-written corpus
    assert sim.end == DEFAULT_END and 3650 <= (sim.end - sim.start).days <= 3655
    ids = [a.id for a in sim.articles]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"\d{17}", i) for i in ids)
    for article in ours:
        created = datetime.strptime(article.id[:14], "%Y%m%d%H%M%S").replace(tzinfo=VN_TZ)
        assert created <= article.published <= created + timedelta(minutes=60)
        assert sim.start <= article.published < sim.end and article.published.second == 0
    assert list(sim.articles) == sorted(sim.articles, key=lambda a: (a.published, a.id))
    assert len(generate(SIZE, seed=11, corpus=False).articles) == SIZE


def test_relevant_shares_are_exact_and_categories_realistic(sim: Simulation) -> None:
    ours = generated(sim)
    topics = Counter(frozenset(a.topics) for a in ours)
    both = frozenset({"environment", "vietnam-japan"})
    assert topics[frozenset({"environment"})] == round(SIZE * SHARES["environment"])
    assert topics[frozenset({"vietnam-japan"})] == round(SIZE * SHARES["vietnam-japan"])
    assert topics[both] == round(SIZE * SHARES["both"])
    assert sim.environment == {a.id for a in sim.articles if "environment" in a.topics}
    stats = sim.stats()
    tops = stats["per_top_category"]
    env_home = ("thoi-su-472ct0", "xa-hoi-129ct0", "kinh-te-128ct0", "khoa-hoc-cong-nghe-131ct0",
                "bien-dao-viet-nam-537ct0", "dia-phuong-529ct0", "the-gioi-130ct0")
    env_total = sum(v.get("environment", 0) for v in tops.values())
    assert sum(tops[k].get("environment", 0) for k in env_home) >= 0.9 * env_total
    vj_total = sum(v.get("vietnam-japan", 0) for v in tops.values())
    vj_home = ("thoi-su-472ct0", "the-gioi-130ct0", "kinh-te-128ct0")
    assert sum(tops[k].get("vietnam-japan", 0) for k in vj_home) >= 0.55 * vj_total
    for big in ("phap-luat-475ct0", "the-thao-273ct0", "van-hoa-158ct0", "giao-duc-135ct0"):
        assert tops[big]["articles"] >= 0.04 * len(sim.articles)
        assert tops[big].get("environment", 0) <= 0.01 * tops[big]["articles"]
    used = {a.category.key for a in ours}
    assert len(used) >= 70  # nearly every listing of the tree has articles


def test_hours_of_day_follow_the_newsroom(sim: Simulation) -> None:
    hours = sim.stats()["per_hour"]
    total = sum(hours)
    assert sum(hours[0:5]) < 0.04 * total
    assert sum(hours[7:12]) + sum(hours[14:19]) > 0.6 * total
    per_day = Counter(a.published.astimezone(VN_TZ).date() for a in generated(sim))
    assert max(per_day.values()) <= 8  # 0.55 a day on average: no bursts of dozens


def test_texts_are_vietnamese_varied_and_without_numbered_titles(sim: Simulation) -> None:
    ours = generated(sim)
    titles = [a.title for a in ours]
    assert len(set(titles)) >= 0.9 * len(titles)
    assert len({a.sapo for a in ours}) >= 0.85 * len(ours)
    for article in ours[:300]:
        full = sim.details(article)
        for part in (full.title, full.sapo, *full.paragraphs):
            assert unicodedata.normalize("NFC", part) == part and "{" not in part
            assert "[" not in part and not re.search(r"\(\d+\)$", part)
        assert 3 <= len(full.paragraphs) <= 5 and 2 <= len(full.tags) <= 5
        assert (full.title, full.sapo, full.tags) == (article.title, article.sapo, article.tags)
        if full.figures:
            assert full.figures[0].caption.endswith("/TTXVN")
            assert full.figures[0].file == article.figures[0].file


def test_labels_stay_true_of_the_text(sim: Simulation) -> None:
    traps = Counter()
    for article in generated(sim):
        body = text(sim, article.id)
        lowered = body.lower()
        if "environment" in article.topics:
            assert any(w in lowered for w in ENV_WORDS), body[:200]
        else:
            assert not any(w in lowered for w in ENV_NEVER), body[:200]
            traps["môi trường"] += "môi trường" in lowered
        if "vietnam-japan" in article.topics:
            assert "Nhật Bản" in body or "Việt Nhật" in body or "JCM" in body, body[:200]
        else:
            assert not any(w in body for w in VJ_NEVER), body[:200]
            traps["Nhật Bản"] += "Nhật Bản" in body
    assert traps["môi trường"] >= 20 and traps["Nhật Bản"] >= 10  # the traps are there


def test_tags_topical_on_many_relevant_articles_and_big_tags_paginate(sim: Simulation) -> None:
    relevant = [a for a in generated(sim) if a.topics]
    topical = {"biến đổi khí hậu", "ô nhiễm môi trường", "rác thải nhựa", "nhật bản", "jica",
               "việt nam - nhật bản", "ô nhiễm không khí", "năng lượng tái tạo", "thiên tai"}
    with_topical = [a for a in relevant if {t.casefold() for t in a.tags} & topical]
    assert 0.3 * len(relevant) <= len(with_topical) < len(relevant)
    sizes = Counter(t.casefold() for a in sim.articles for t in a.tags)
    assert sizes.most_common(1)[0][1] >= 60  # a big tag: several pages of 20


def test_ground_truth_rows(sim: Simulation) -> None:
    rows = list(sim.truth_rows())
    assert len(rows) == len(sim.articles)
    row = next(r for r in rows if r["topics"] == ["environment"])
    assert sim.published(row["id"]).isoformat() == row["published"]
    assert row["kind"] in {"relevant", "corpus"} and row["path"].endswith(row["id"] + ".htm")
    window = sim.published_between(sim.end - timedelta(days=30), sim.end)
    assert window and all(sim.end - timedelta(days=30) <= a.published < sim.end for a in window)


@pytest.mark.e2e  # a few seconds: the site at the size the benchmarks use (timed there, not here)
def test_fifty_thousand_articles_over_ten_years_with_the_chosen_shares() -> None:
    full = generate(50_000, seed=1)
    stats = full.stats()
    assert 13 <= stats["per_day"] <= 15
    assert stats["environment"] >= 1750 and stats["vietnam_japan"] >= 600


# -- serving ---------------------------------------------------------------------------------------


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def items(body: bytes) -> list[str]:
    doc = lxml.html.fromstring(body)
    return [a.get("href") for a in doc.cssselect(
        "#plhMain_ctl00_divFocus div.item-info > a.title, ul.list-ul > li.item > a.title, "
        "ul.list-newsest > li.item a.title")]


def test_the_simulated_site_serves_on_its_clock() -> None:
    clock = ManualClock(DEFAULT_END - timedelta(days=2))
    with ReplicaSite.simulated(SIZE, seed=11, clock=clock) as site:
        simulation = site.simulation
        assert simulation is not None
        later = [a for a in simulation.articles if a.published > clock()]
        assert later, "some articles are still to come"
        upcoming = later[0]
        listing = site.url + upcoming.category.listing_path
        status, headers, before = fetch(listing)
        assert status == 200 and len(items(before)) == min(24, len(site.state.in_category(
            upcoming.category)))
        assert fetch(site.url + upcoming.path)[0] == 404
        clock.set(upcoming.published)
        status, _, after = fetch(listing, {"If-None-Match": headers["ETag"]})
        assert status == 200 and upcoming.path in items(after)
        status, _, body = fetch(site.url + upcoming.path)
        full = simulation.details(upcoming)
        assert status == 200 and full.paragraphs[0].split()[0].encode() in body
        latest = ET.fromstring(fetch(site.url + "/tin-moi-nhat.rss")[2])
        links = [i.findtext("link") for i in latest.iter("item")]
        assert len(links) == 20 and links[0] == upcoming.canonical_url
        day = day_path(upcoming.category, upcoming.published.astimezone(VN_TZ).date())
        assert upcoming.path in items(fetch(site.url + day)[2])
        tag, count = Counter(tag_keyword(t) for a in site.state.articles for t in a.tags
                             ).most_common(1)[0]
        pages = -(-count // 20)
        last = fetch(site.url + f"/tags/{quote(tag, safe='+')}/trang-{pages}.htm")[2]
        assert 1 <= len(items(last)) <= 20


def test_clocks_and_dates_on_the_command_line() -> None:
    ticks = iter([100.0, 100.0, 110.0])
    clock = FastClock(datetime(2026, 1, 1, tzinfo=VN_TZ), speed=60, timer=lambda: next(ticks))
    assert clock() == datetime(2026, 1, 1, tzinfo=VN_TZ)
    assert clock() == datetime(2026, 1, 1, 0, 10, tzinfo=VN_TZ)
    assert moment("2026-12-01") == datetime(2026, 12, 1, tzinfo=VN_TZ)
    assert abs(moment("now+2d") - datetime.now(VN_TZ) - timedelta(days=2)) < timedelta(minutes=1)
