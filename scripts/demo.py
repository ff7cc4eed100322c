"""Offline demo: a replica of baotintuc.vn on loopback, the service crawling it, news arriving.

    make demo        (or: .venv/bin/python -m scripts.demo)

Starts the replica site, starts `tintuc run` against it with a one-minute crawl interval, prints
the feed URLs to paste into a feed reader, and publishes a new replica article about every
minute, so the feeds visibly fill and change. Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import random
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from core import defaults
from core.clock import VIETNAM_TZ
from replica import ReplicaSite

HEADLINES = [
    "Nhật Bản hỗ trợ {place} xây dựng hệ thống cảnh báo lũ quét",
    "{place} đẩy mạnh phân loại rác thải nhựa tại nguồn",
    "Doanh nghiệp Nhật Bản khởi công nhà máy điện mặt trời tại {place}",
    "Việt Nam và Nhật Bản ký kết hợp tác đào tạo nhân lực tại {place}",
    "{place} trồng mới 50 ha rừng ngập mặn chống xói lở",
]
PLACES = ["Quảng Nam", "Cà Mau", "Nghệ An", "Bình Định", "Hải Phòng", "Sóc Trăng", "Thái Bình"]


def next_article(site: ReplicaSite, counter: int):
    """A new article, modelled on a relevant one of the replica, published now."""
    relevant = sorted((a for a in site.articles.values() if a.topics), key=lambda a: a.id)
    model = random.Random(counter).choice(relevant)
    now = datetime.now(VIETNAM_TZ).replace(second=0, microsecond=0)
    title = HEADLINES[counter % len(HEADLINES)].format(place=PLACES[counter % len(PLACES)])
    site_id = now.strftime("%Y%m%d%H%M%S") + f"{counter % 1000:03d}"
    return dataclasses.replace(model, id=site_id, slug=f"tin-moi-{site_id}", title=title,
                               published=now, modified=None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=defaults.PORT, help="port of the feeds (default %(default)s)")
    parser.add_argument("--every", type=float, default=60, help="seconds between new articles")
    parser.add_argument("--data", default="data/demo", help="where the demo keeps its files")
    args = parser.parse_args()
    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    with ReplicaSite() as site:
        service = subprocess.Popen([
            sys.executable, "-m", "tintuc.cli", "run", "--site-url", site.url,
            "--db", str(data / "tintuc.db"), "--out", str(data / "feeds"), "--port", str(args.port),
            "--crawl-every", "1m", "--delay", "0.1",
        ])
        feeds = f"http://127.0.0.1:{args.port}"
        print(f"\nreplica of baotintuc.vn: {site.url}\nfeeds: {feeds}/  (paste it into a feed reader)\n"
              f"health: {feeds}/healthz\nCtrl-C to stop.\n", flush=True)
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
        try:
            for counter in itertools.count(1):
                time.sleep(args.every)
                if service.poll() is not None:
                    return service.returncode
                article = next_article(site, counter)
                site.publish(article)
                print(f"published on the replica: {article.title}", flush=True)
        except KeyboardInterrupt:
            pass
        finally:
            service.send_signal(signal.SIGTERM)
            service.wait(timeout=120)
    return 0


if __name__ == "__main__":
    sys.exit(main())
