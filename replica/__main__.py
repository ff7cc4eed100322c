"""Run the replica in the foreground for demos: ``python -m replica --port 8081``."""

from __future__ import annotations

import argparse
import threading

from .server import ReplicaSite


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m replica", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8081, help="0: any free port (default: 8081)")
    parser.add_argument("--corpus-dir", default=None, help="folder of <id>.toml articles")
    parser.add_argument("--shared-dir", default=None, help="folder holding seed-article.txt")
    args = parser.parse_args(argv)
    site = ReplicaSite(args.corpus_dir, args.shared_dir, host=args.host, port=args.port)
    with site:
        print(f"Replica of baotintuc.vn ({len(site.articles)} articles) at {site.url}/", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopping", flush=True)


if __name__ == "__main__":
    main()
