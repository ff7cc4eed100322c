"""Serving the output directory over real HTTP: validators, 304, gzip (compressed once per
version of a file), types, refusals."""

from __future__ import annotations

import gzip
import os

import pytest
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from feeds import server
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


GZIP = {"Accept-Encoding": "gzip"}


def test_gzip_when_accepted_with_a_strong_etag_of_its_own(site):
    _, plain, _ = fetch(site["url"], "/moi-truong.atom")
    status, headers, body = fetch(site["url"], "/moi-truong.atom", headers=GZIP)
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == FEED and len(body) < len(FEED) / 5
    assert headers["content-length"] == str(len(body))
    assert headers["vary"] == plain["vary"] == "Accept-Encoding"  # also on the identity response
    assert headers["etag"] != plain["etag"] and not headers["etag"].startswith("W/")
    assert headers["last-modified"] == plain["last-modified"]


@pytest.mark.parametrize("held", ["gzip", "identity"])
@pytest.mark.parametrize("accept", [GZIP, {}])
def test_either_representations_etag_gives_a_304(site, held, accept):
    etag = fetch(site["url"], "/moi-truong.atom", headers=GZIP if held == "gzip" else {})[1]["etag"]
    status, headers, body = fetch(
        site["url"], "/moi-truong.atom", headers={**accept, "If-None-Match": etag}
    )
    assert status == 304 and body == b"" and headers["etag"] == etag
    assert headers["vary"] == "Accept-Encoding"


@pytest.mark.parametrize(
    "accept",
    ["", "identity", "br", "gzip;q=0", "gzip;q=0, *", "GZIP;q=0.000", "identity, gzip;q=0.5",
     "gzip;q=high"],
)  # fmt: skip
def test_clients_that_do_not_take_gzip_get_the_file_as_it_is(site, accept):
    identity = fetch(site["url"], "/moi-truong.atom")[1]["etag"]
    status, headers, body = fetch(site["url"], "/moi-truong.atom", headers={"Accept-Encoding": accept})
    assert status == 200 and body == FEED and "content-encoding" not in headers
    assert headers["etag"] == identity and headers["content-length"] == str(len(FEED))


@pytest.mark.parametrize("accept", ["gzip", "x-gzip", "*", "br, gzip;q=0.5", "deflate, GZIP"])
def test_clients_that_take_gzip_get_it(site, accept):
    status, headers, body = fetch(site["url"], "/moi-truong.atom", headers={"Accept-Encoding": accept})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == FEED


def test_small_files_are_not_compressed(site):
    status, headers, body = fetch(site["url"], "/feeds.opml", headers=GZIP)
    assert status == 200 and "content-encoding" not in headers and body.startswith(b"<?xml")


def test_each_version_of_a_file_is_compressed_once(tmp_path, monkeypatch):
    compressed = []
    real = server.compress
    monkeypatch.setattr(server, "compress", lambda body: compressed.append(body) or real(body))
    (tmp_path / "f.atom").write_bytes(FEED)
    with running_server(create_app(tmp_path, max_age=60)) as url:
        answers = [fetch(url, "/f.atom", headers=GZIP) for _ in range(5)]
        assert {gzip.decompress(body) for _, _, body in answers} == {FEED}
        etag = answers[0][1]["etag"]
        assert fetch(url, "/f.atom", method="HEAD", headers=GZIP)[1]["etag"] == etag
        assert fetch(url, "/f.atom", headers={**GZIP, "If-None-Match": etag})[0] == 304
        assert compressed == [FEED]
        newer = FEED.replace(b"</feed>", "<subtitle>mới</subtitle></feed>".encode())
        (tmp_path / ".f.atom.tmp").write_bytes(newer)
        os.replace(tmp_path / ".f.atom.tmp", tmp_path / "f.atom")  # as the publisher does
        answers = [fetch(url, "/f.atom", headers=GZIP) for _ in range(3)]
        assert {gzip.decompress(body) for _, _, body in answers} == {newer}
        assert answers[0][1]["etag"] != etag and compressed == [FEED, newer]


def test_the_compressed_bodies_kept_are_bounded(monkeypatch):
    compressed = []
    real = server.compress
    monkeypatch.setattr(server, "compress", lambda body: compressed.append(body) or real(body))
    one, two, three = (FEED + bytes([n]) * 10 for n in range(3))
    kept = server.Compressed(limit=2 * len(real(one)) + 5)  # room for two
    for etag, body in (("1", one), ("2", two), ("1", one), ("3", three), ("1", one), ("2", two)):
        assert gzip.decompress(kept.get(etag, body)) == body
    assert compressed == [one, two, three, two]  # "2" was the least recently used


def test_head_gives_the_headers_without_the_body(site):
    status, headers, body = fetch(site["url"], "/moi-truong.atom", method="HEAD")
    assert status == 200 and body == b"" and headers["content-length"] == str(len(FEED))
    assert headers["content-type"] == "application/atom+xml; charset=utf-8"
    _, zipped, compressed = fetch(site["url"], "/moi-truong.atom", headers=GZIP)
    status, headers, body = fetch(site["url"], "/moi-truong.atom", method="HEAD", headers=GZIP)
    assert status == 200 and body == b"" and headers["content-length"] == str(len(compressed))
    assert headers["content-encoding"] == "gzip" and headers["etag"] == zipped["etag"]


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
