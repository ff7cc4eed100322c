"""Serving the output directory over real HTTP: validators, 304, gzip, types, refusals."""

from __future__ import annotations

import gzip
import os

import pytest
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from feeds.server import create_app
from tests.feeds_support import fetch, running_server

FEED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
    + "<title>Môi trường</title>".encode() * 200
    + b"</feed>\n"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    out = root / "out"
    (out / "moi-truong").mkdir(parents=True)
    (out / "moi-truong.atom").write_bytes(FEED)
    (out / "moi-truong" / "archive-1.atom").write_bytes(FEED)
    (out / "index.html").write_bytes("<!DOCTYPE html><title>Tin tức</title>".encode())
    (out / "feeds.opml").write_bytes(b'<?xml version="1.0"?><opml version="2.0"/>')
    (out / ".moi-truong.atom.x1.tmp").write_bytes(b"half a feed")
    (root / "secret.txt").write_bytes(b"secret")
    os.symlink(root / "secret.txt", out / "escape.atom")
    os.symlink(root, out / "escape-dir")
    (out / "inside.atom").symlink_to(out / "moi-truong.atom")

    async def healthz(request):
        return PlainTextResponse("ok")

    app = create_app(out, max_age=120, extra_routes=[Route("/healthz", healthz)])
    with running_server(app) as url:
        yield {"url": url, "out": out}


def test_a_feed_is_served_with_its_type_validators_and_cache_lifetime(site):
    status, headers, body = fetch(site["url"], "/moi-truong.atom")
    assert status == 200 and body == FEED
    assert headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert headers["cache-control"] == "public, max-age=120"
    assert headers["etag"].startswith('"') and headers["last-modified"].endswith("GMT")
    assert headers["x-content-type-options"] == "nosniff"


def test_304_with_if_none_match_or_if_modified_since(site):
    _, headers, _ = fetch(site["url"], "/moi-truong.atom")
    status, again, body = fetch(
        site["url"], "/moi-truong.atom", headers={"If-None-Match": headers["etag"]}
    )
    assert status == 304 and body == b"" and again["etag"] == headers["etag"]
    assert again["cache-control"] == "public, max-age=120"
    status, _, body = fetch(
        site["url"], "/moi-truong.atom", headers={"If-Modified-Since": headers["last-modified"]}
    )
    assert status == 304 and body == b""
    status, _, _ = fetch(site["url"], "/moi-truong.atom", headers={"If-None-Match": '"other"'})
    assert status == 200


def test_the_etag_follows_the_bytes_not_the_file(site):
    _, headers, _ = fetch(site["url"], "/moi-truong.atom")
    _, same, _ = fetch(site["url"], "/moi-truong/archive-1.atom")  # same bytes, another file
    assert same["etag"] == headers["etag"]


def test_gzip_when_accepted_with_a_weak_etag_that_still_validates(site):
    status, headers, body = fetch(
        site["url"], "/moi-truong.atom", headers={"Accept-Encoding": "gzip"}
    )
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == FEED and len(body) < len(FEED) / 5
    assert headers["etag"].startswith('W/"') and "accept-encoding" in headers["vary"].lower()
    status, _, _ = fetch(
        site["url"],
        "/moi-truong.atom",
        headers={"Accept-Encoding": "gzip", "If-None-Match": headers["etag"]},
    )
    assert status == 304


def test_head_gives_the_headers_without_the_body(site):
    status, headers, body = fetch(site["url"], "/moi-truong.atom", method="HEAD")
    assert status == 200 and body == b"" and headers["content-length"] == str(len(FEED))
    assert headers["content-type"] == "application/atom+xml; charset=utf-8"


def test_root_serves_the_index_and_opml_has_its_type(site):
    status, headers, body = fetch(site["url"], "/")
    assert (
        status == 200 and headers["content-type"] == "text/html; charset=utf-8" and b"Tin t" in body
    )
    status, headers, _ = fetch(site["url"], "/feeds.opml")
    assert status == 200 and headers["content-type"] == "text/x-opml; charset=utf-8"


def test_extra_routes_are_served(site):
    assert fetch(site["url"], "/healthz")[2] == b"ok"


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/..%2fsecret.txt",
        "/moi-truong/../../secret.txt",
        "/moi-truong/%2e%2e/%2e%2e/secret.txt",
        "/.%2e/secret.txt",
        "//etc/passwd",
        "/%2fetc/passwd",
        "/etc/passwd",
        "/..\\secret.txt",
        "/escape.atom",
        "/escape-dir/secret.txt",  # symlinks out of the directory
        "/.moi-truong.atom.x1.tmp",
        "/%2emoi-truong.atom.x1.tmp",  # the publisher's temporary files
        "/moi-truong/",
        "/moi-truong",
        "/nothing.atom",
        "/moi-truong.atom%00.html",
        "/%00",
    ],
)
def test_nothing_outside_the_directory_nor_hidden_nor_listings(site, path):
    status, _, body = fetch(site["url"], path)
    assert status == 404, (path, status)
    assert b"secret" not in body and b"half a feed" not in body and b"archive-1" not in body


def test_a_symlink_inside_the_directory_is_served(site):
    assert fetch(site["url"], "/inside.atom")[0] == 200


def test_only_get_and_head(site):
    assert fetch(site["url"], "/moi-truong.atom", method="POST")[0] == 405
    assert fetch(site["url"], "/moi-truong.atom", method="DELETE")[0] == 405


def test_a_replaced_file_is_served_whole_with_new_validators(site, tmp_path):
    path = site["out"] / "thay.atom"
    path.write_bytes(FEED)
    _, first, _ = fetch(site["url"], "/thay.atom")
    bigger = FEED.replace(b"</feed>", b"<subtitle>x</subtitle></feed>")
    temp = site["out"] / ".thay.atom.new.tmp"
    temp.write_bytes(bigger)
    os.replace(temp, path)
    status, second, body = fetch(
        site["url"], "/thay.atom", headers={"If-None-Match": first["etag"]}
    )
    assert status == 200 and body == bigger and second["etag"] != first["etag"]
    assert second["content-length"] == str(len(bigger))


def test_max_age_must_not_be_negative():
    with pytest.raises(ValueError):
        create_app(".", max_age=-1)
