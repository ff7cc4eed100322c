"""Headless Chromium for the tests that look at the web pages as a person would.

Debian's `chromium` and `chromium-driver` packages, driven by Selenium: with the driver's path
given, Selenium Manager downloads nothing. Without them (or without Selenium) the browser tests
skip, in one line that says why; with TINTUC_REQUIRE_BROWSER=1 (CI, .ci/run) their absence fails
the run before any test starts, as TINTUC_REQUIRE_SHARED does for the shared material.

The browser only ever talks to 127.0.0.1: every other host name resolves to nothing
(`--host-resolver-rules`), so the article links and the lead images of cdnmedia.baotintuc.vn are
never fetched (the images show their alt text, which the layout must survive), and the
background-networking switches keep Chromium's own services quiet.
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

REQUIRE_ENV = "TINTUC_REQUIRE_BROWSER"
CHROMIUM = os.environ.get("TINTUC_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("TINTUC_CHROMEDRIVER", "/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--lang=vi",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)
PHONE = (390, 844)
LAPTOP = (1280, 800)


def missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    absent = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if absent:
        return (
            f"no browser: {', '.join(absent)} not found (apt-get install chromium chromium-driver;"
            f" CI sets {REQUIRE_ENV}=1)"
        )
    return None


def required() -> bool:
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0")


@contextlib.contextmanager
def chromium() -> Iterator:
    """A headless Chromium with a fresh profile, closed afterwards."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="tintuc-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def emulate(driver, width: int, height: int) -> None:
    """A viewport of `width` × `height` CSS pixels; below 600 px, a phone (touch, mobile
    viewport rules)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )


def full_page_png(driver) -> bytes:
    """A screenshot of the whole page, not only the viewport."""
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics["cssContentSize"]
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
        },
    )
    return base64.b64decode(shot["data"])


def viewport_png(driver) -> bytes:
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    return base64.b64decode(shot["data"])
