"""Stage 5, storage: upserts/s, bytes per article on disk (FTS included), FTS query latency.

One store is grown to the largest size (100,000 by default) with `Store.save_article`, in one
process, from synthetic Articles (bench/corpus.py; topics are the base articles' ground truth,
so no classification time is mixed in). Upserts/s is the median over chunks of 1,000. At each
checkpoint size the store is copied (SQLite backup API) for the feed stage, and the FTS
queries are timed.

Peers: for upserts, the same rows written with plain sqlite3 statements (one transaction per
article, like `save_article`, into the same schema with its FTS triggers), i.e. what SQLite
itself needs for the same durable work; for bytes, the article text itself (UTF-8 bytes of
title, sapo, body text and body HTML); for search latency, the same query on the smallest store.
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.common import Config, Row, StageResult, fmt_rate, fmt_ratio, fmt_seconds, median

STAGE = "5 Storage"
CHUNK = 1000
QUERIES = ("nhat ban", "rừng ngập mặn", "biến đổi khí hậu OR ô nhiễm")  # + a rare one, per size


def _topics(topics):
    from core.model import TopicMatch

    return [TopicMatch(name, 5.0, ("bench",)) for name in sorted(topics)]


def _db_bytes(path: Path) -> int:
    return sum(os.path.getsize(p) for p in (path, Path(f"{path}-wal")) if p.exists())


def raw_insert_rate(articles, path: Path) -> float:
    """Articles/s of plain sqlite3 inserts of the same rows, one transaction per article."""
    from core.text import fold
    from storage import Store, content_hash

    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    with Store.open(path) as store:
        conn = store.db.conn
        start = time.perf_counter()
        for article, topics in articles:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO articles (site_id, url, title, sapo, body_text, body_html, authors,"
                " agency, category, category_url, published, modified, lead_image, layout,"
                " content_hash, first_seen, updated, last_fetched, fetch_count, next_check,"
                " search_folded) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [article.site_id, article.url, article.title, article.sapo, article.body_text,
                 article.body_html, json.dumps(list(article.authors), ensure_ascii=False),
                 article.agency, article.category, article.category_url, article.published,
                 article.modified, article.lead_image, article.layout, content_hash(article),
                 now, now, now, 1, None,
                 fold("\n".join([article.title, article.sapo, article.body_text]))],
            )
            conn.executemany(
                "INSERT INTO article_topics VALUES (?, ?, 5.0, '[\"bench\"]', 'bench')",
                [(article.site_id, name) for name in sorted(topics)],
            )
            conn.executemany("INSERT INTO article_tags VALUES (?, ?, ?)",
                             [(article.site_id, i, t) for i, t in enumerate(article.tags)])
            conn.executemany("INSERT INTO article_images VALUES (?, ?, ?, ?)",
                             [(article.site_id, i, im.url, im.caption) for i, im in enumerate(article.images)])
            conn.execute(
                "INSERT INTO fetch_state (url, kind, status, fetched) VALUES (?, 'article', 200, ?)"
                " ON CONFLICT (url) DO UPDATE SET status = 200, fetched = excluded.fetched",
                [article.url, now],
            )
            conn.execute("DELETE FROM crawl_frontier WHERE url = ?", [article.url])
            conn.execute("COMMIT")
        return len(articles) / (time.perf_counter() - start)


def search_latency(store, queries, repeat: int) -> float:
    """Median seconds of one `Store.search` over the queries and repetitions."""
    times = []
    for _ in range(repeat):
        for query in queries:
            start = time.perf_counter()
            store.search(query, limit=20)
            times.append(time.perf_counter() - start)
    return median(times)


def run(cfg: Config, ctx: dict) -> StageResult:
    from bench.corpus import synthetic_articles
    from storage import Store

    result = StageResult()
    sizes = sorted(cfg.store_sizes)
    largest = sizes[-1]
    folder = cfg.workdir / "stores"
    folder.mkdir(exist_ok=True)
    path = folder / f"store-{largest}.db"
    now = datetime.now(timezone.utc)
    chunk_rates: list[float] = []
    latencies: dict[int, float] = {}
    stores: dict[int, Path] = {}
    text_bytes = 0
    chunk = min(CHUNK, max(50, largest // 10))
    with Store.open(path) as store:
        done = 0
        batch: list = []
        generator = synthetic_articles(largest)
        for size in sizes:
            while done < size:
                batch = [next(generator) for _ in range(min(chunk, size - done))]
                text_bytes += sum(
                    len((a.title + a.sapo + a.body_text + a.body_html).encode("utf-8")) for a, _ in batch
                )
                start = time.perf_counter()
                for article, topics in batch:
                    store.save_article(article, _topics(topics), rules_version="bench", now=now,
                                       next_check=None)
                chunk_rates.append(len(batch) / (time.perf_counter() - start))
                done += len(batch)
            store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            rare = batch[-1][0].title.rsplit("(", 1)[-1].rstrip(")")  # a number in one title only
            search_latency(store, QUERIES, 1)  # warm the page cache
            latencies[size] = search_latency(store, (*QUERIES, rare), cfg.repeat)
            if size == largest:
                stores[size] = path
            else:
                stores[size] = folder / f"store-{size}.db"
                store.backup_to(stores[size])
        store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        per_article = _db_bytes(path) / largest
    ctx["stores"] = stores

    sample = list(synthetic_articles(min(2000, largest)))
    peer_rate = median([raw_insert_rate(sample, folder / f"raw-{i}.db") for i in range(min(cfg.repeat, 3))])
    for i in range(min(cfg.repeat, 3)):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{folder / f'raw-{i}.db'}{suffix}").unlink(missing_ok=True)
    rate = median(chunk_rates)
    result.rows.append(Row(
        STAGE, f"Store.save_article, growing to {largest:,}: upserts/s",
        fmt_rate(rate), f"plain sqlite3 {fmt_rate(peer_rate)}", fmt_ratio(rate / peer_rate),
        "—", None,
    ))
    content = text_bytes / largest
    result.rows.append(Row(
        STAGE, f"bytes per article on disk, FTS included ({largest:,})", f"{per_article:,.0f} B",
        f"article text {content:,.0f} B", fmt_ratio(per_article / content), "—", None,
    ))
    small = sizes[0]
    result.rows.append(Row(
        STAGE, f"Store.search latency at {largest:,} (median of {len(QUERIES) + 1} queries)",
        fmt_seconds(latencies[largest]), f"at {small:,}: {fmt_seconds(latencies[small])}",
        fmt_ratio(latencies[largest] / latencies[small]), "—", None,
    ))
    result.notes.append(
        "upserts/s by chunk of " + f"{chunk:,}" + ": first " + fmt_rate(chunk_rates[0]) + ", last "
        + fmt_rate(chunk_rates[-1]) + "; search latency by size: "
        + ", ".join(f"{n:,}: {fmt_seconds(v)}" for n, v in latencies.items())
        + f"; queries: {', '.join(QUERIES)} and a number found in one title."
    )
    return result
