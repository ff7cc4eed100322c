"""Run the replica in the foreground for demos and benchmarks.

    python -m replica --port 8081                     # the hand-written corpus (73 articles)
    python -m replica --simulated                     # 50,000 articles over ten years
    python -m replica --simulated --articles 200000 --seed 7 --speed 60 --truth truth.jsonl

A simulated site publishes on its own clock: it starts at ``--start`` (default: one day before
``--end``, so that a day of news is still to come) and runs ``--speed`` times faster than real
time (``--speed 0``: stopped). Dates are ISO 8601 in Vietnam time, or ``now``, ``now+2d``,
``now-6h``.
"""

from __future__ import annotations

import argparse
import json
import re
import threading
from datetime import datetime, timedelta

from .clock import FastClock
from .corpus import VN_TZ
from .server import ReplicaSite

_RELATIVE = re.compile(r"^now(?:(?P<sign>[+-])(?P<amount>\d+(?:\.\d+)?)(?P<unit>[dhm]))?$")


def moment(text: str) -> datetime:
    """``2026-12-01``, ``2026-12-01T08:00``, ``now``, ``now+2d``, ``now-6h`` → an aware time."""
    match = _RELATIVE.match(text.strip())
    if match:
        now = datetime.now(VN_TZ).replace(microsecond=0)
        if not match["sign"]:
            return now
        unit = {"d": "days", "h": "hours", "m": "minutes"}[match["unit"]]
        delta = timedelta(**{unit: float(match["amount"])})
        return now + delta if match["sign"] == "+" else now - delta
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=VN_TZ)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m replica", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8081, help="0: any free port (default: 8081)")
    parser.add_argument("--corpus-dir", default=None, help="folder of <id>.toml articles")
    parser.add_argument("--shared-dir", default=None, help="folder holding seed-article.txt")
    simulated = parser.add_argument_group("simulated site")
    simulated.add_argument("--simulated", action="store_true",
                           help="serve a generated site at the real one's scale")
    simulated.add_argument("--articles", type=int, default=50_000,
                           help="generated articles (default: %(default)s)")
    simulated.add_argument("--seed", type=int, default=1, help="(default: %(default)s)")
    simulated.add_argument("--years", type=float, default=10.0,
                           help="length of the period (default: %(default)s)")
    simulated.add_argument("--end", type=moment, default=None,
                           help="end of the period (default: 2026-12-01, VN time)")
    simulated.add_argument("--start", type=moment, default=None,
                           help="where the site's clock starts (default: one day before --end)")
    simulated.add_argument("--speed", type=float, default=1.0,
                           help="clock speed, times real time (default: 1; 0: stopped)")
    simulated.add_argument("--no-corpus", action="store_true",
                           help="leave out the hand-written corpus")
    simulated.add_argument("--truth", default=None, metavar="FILE",
                           help="write the ground truth as JSON lines, one article a line")
    simulated.add_argument("--stats", action="store_true",
                           help="print the generated distribution (JSON)")
    args = parser.parse_args(argv)
    if not args.simulated:
        site = ReplicaSite(args.corpus_dir, args.shared_dir, host=args.host, port=args.port)
        with site:
            print(f"Replica of baotintuc.vn ({len(site.articles)} articles) at {site.url}/",
                  flush=True)
            _wait()
        return

    from .simulated import DEFAULT_END

    end = args.end or DEFAULT_END
    start = args.start or end - timedelta(days=1)
    clock = FastClock(start, args.speed)
    site = ReplicaSite.simulated(
        args.articles, args.seed, end=end, years=args.years, clock=clock,
        corpus=not args.no_corpus, shared_dir=args.shared_dir,
        host=args.host, port=args.port, max_requests=100_000,
    )
    simulation = site.simulation
    assert simulation is not None
    if args.truth:
        with open(args.truth, "w", encoding="utf-8") as out:
            for row in simulation.truth_rows():
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    if args.stats:
        print(json.dumps(simulation.stats(), ensure_ascii=False, indent=1), flush=True)
    clock.restart()  # the clock starts when the site does
    with site:
        print(
            f"Simulated baotintuc.vn at {site.url}/: {len(simulation.articles):,} articles "
            f"({len(simulation.environment):,} environment, "
            f"{len(simulation.vietnam_japan):,} Vietnam–Japan) from "
            f"{simulation.start:%Y-%m-%d} to {simulation.end:%Y-%m-%d %H:%M}; clock from "
            f"{start:%Y-%m-%d %H:%M} at {args.speed:g}× ({len(site.state.articles):,} "
            "visible now)",
            flush=True,
        )
        _wait()


def _wait() -> None:
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("stopping", flush=True)


if __name__ == "__main__":
    main()
