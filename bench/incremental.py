"""Stage 4, incremental cost: what a crawl asks of the site when little or nothing changed.

After the full crawl of stage 3 (or, when run alone, a full crawl of its own): a second crawl of
the unchanged replica, then N new articles published (`ReplicaSite.publish`) and a third crawl.
These two run with the production depth limits (only the delay is off), as the service would.
Every crawl's requests are also checked against the replica's robots.txt.
Counted from the replica's own request log: article pages, listings/tags/RSS, and 304s. The peer
is the full crawl's request count; the target is no article page at all when nothing changed,
and exactly the N new article pages (plus the listings and feeds that announce them) after.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import datetime, timedelta

from bench.common import Config, Row, StageResult, fmt_seconds, run_child
from bench.crawl import crawl_args, disallowed, start_site

STAGE = "4 Incremental"


def _kinds(requests) -> Counter:
    from crawler.urls import kind_of

    counts: Counter = Counter()
    for record in requests:
        if record.path == "/robots.txt":
            continue
        kind = kind_of("http://x" + record.decoded_path)
        counts["article" if kind is not None and kind.value == "article" else "other"] += 1
        counts[record.status] += 1
    return counts


def new_articles(site, count: int) -> list:
    """`count` new on-topic articles, written like existing ones, published now."""
    from replica.corpus import VN_TZ

    bases = [a for a in site.articles.values() if a.topics and a.layout == "current"
             and not a.path.startswith("/ban-doc/")]
    bases.sort(key=lambda a: a.id)
    now = datetime.now(VN_TZ).replace(second=0, microsecond=0)
    made = []
    for index in range(count):
        base = bases[(index * 7) % len(bases)]
        moment = now - timedelta(minutes=5 + index)
        site_id = moment.strftime("%Y%m%d%H%M%S") + f"{900 + index:03d}"
        made.append(dataclasses.replace(
            base, id=site_id, slug=f"bai-moi-{index}", title=f"{base.title} (tin mới {index})",
            published=moment, modified=None,
        ))
    return made


def run(cfg: Config, ctx: dict) -> StageResult:
    result = StageResult()
    crawl = ctx.get("crawl")
    if crawl is None:  # run alone: a full crawl of a small replica first
        articles = min(cfg.crawl_articles, 500)
        site = start_site(cfg, ctx, articles)
        db = cfg.workdir / "incremental.db"
        first = run_child(crawl_args(site.url, db, cfg))
        if first.returncode:
            raise RuntimeError(f"first crawl exited {first.returncode}: {first.stderr[-2000:]}")
        crawl = {"site": site, "db": db, "first_requests": site.requests, "seconds": first.seconds,
                 "disallowed": disallowed(site.requests)}
    site, db = crawl["site"], crawl["db"]
    full = _kinds(crawl["first_requests"])
    full_total = full["article"] + full["other"]

    site.clear_requests()
    second = run_child(crawl_args(site.url, db, cfg, whole_site=False))
    if second.returncode:
        raise RuntimeError(f"second crawl exited {second.returncode}: {second.stderr[-2000:]}")
    unchanged = _kinds(site.requests)
    forbidden = {"1st": crawl["disallowed"], "2nd": disallowed(site.requests)}
    total = unchanged["article"] + unchanged["other"]
    result.rows.append(Row(
        STAGE, "2nd crawl, site unchanged: article pages / other pages (304s)",
        f"{unchanged['article']} / {unchanged['other']} ({unchanged[304]} × 304)",
        f"full crawl {full['article']:,} / {full['other']:,}",
        f"{total / full_total:.1%} of requests", "0 article pages, all 304",
        unchanged["article"] == 0 and unchanged[304] == total,
    ))

    fresh = new_articles(site, cfg.new_articles)
    for article in fresh:
        site.publish(article)
    site.clear_requests()
    third = run_child(crawl_args(site.url, db, cfg, whole_site=False))
    if third.returncode:
        raise RuntimeError(f"third crawl exited {third.returncode}: {third.stderr[-2000:]}")
    after = _kinds(site.requests)
    forbidden["3rd"] = disallowed(site.requests)
    fetched = {r.decoded_path for r in site.requests}
    found = sum(a.path in fetched for a in fresh)
    n = len(fresh)
    result.rows.append(Row(
        STAGE, f"3rd crawl, {n} new articles: article pages / other pages (304s)",
        f"{after['article']} / {after['other']} ({after[304]} × 304)",
        f"{n} new; 2nd crawl {unchanged['other']} other",
        f"{after['article'] / n:.2f}× N", f"= N article pages ({n}), all found",
        after["article"] == n and found == n,
    ))
    result.rows.append(Row(
        STAGE, "pages robots.txt disallows, fetched anyway (1st / 2nd / 3rd crawl)",
        " / ".join(str(len(v)) for v in forbidden.values()), "—", "—", "0",
        not any(forbidden.values()),
    ))
    if any(forbidden.values()):
        sample = next(v for v in forbidden.values() if v)[0]
        result.notes.append(
            f"robots.txt: {sum(map(len, forbidden.values()))} disallowed pages fetched (e.g. {sample});"
            " see the analysis below."
        )
    result.notes.append(
        f"second crawl {fmt_seconds(second.seconds)}, third {fmt_seconds(third.seconds)} (full crawl"
        f" {fmt_seconds(crawl['seconds'])}); the third fetched {found} of the {n} new articles."
        f" Other pages are RSS feeds, listings and tag pages re-polled conditionally."
    )
    return result
