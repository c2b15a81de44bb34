"""Open every page of the built site in headless Chromium, as a reader would.

Driven by Playwright with Debian's Chromium (``executable_path``); no browser is ever
downloaded. Asserts: no console errors or page errors, every image loaded and described by alt
text, every claim page shows its verdict badges and a figure, every internal link (and anchor)
resolves. Screenshots go to ``_build/screenshots/``. Without Chromium the module is skipped with
a message saying how to enable it.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest

from conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("headless Chromium not found — install Debian's package to run the browser test: "
                "apt-get install -y chromium (CI's .ci/run does this)", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

pytestmark = pytest.mark.browser
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = ROOT / "_build" / "screenshots"


def _local(url: str) -> bool:
    """Errors about resources on other hosts (MathJax's CDN) are not the site's: this machine and
    CI have no internet, while a reader's browser loads them. Everything served by the site
    itself must load without error."""
    host = urlparse(url).hostname
    return host in (None, "", "127.0.0.1")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture(scope="module")
def server(site: Path):
    handler = functools.partial(_Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def visits(site: Path, server: str):
    """Visit every page once; collect what each test asserts on."""
    pages = sorted(str(p.relative_to(site)) for p in site.rglob("*.html")
                   if not p.name.startswith(("genindex", "search")) and "_static" not in p.parts
                   and str(p.relative_to(site)) != "index.html")  # a redirect; tested on its own below
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    results = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        context = browser.new_context(viewport={"width": 1300, "height": 900})
        for rel in pages:
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda msg, errors=errors: errors.append(msg.text)
                    if msg.type == "error" and _local(msg.location.get("url", "")) else None)
            page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
            page.on("requestfailed", lambda req, errors=errors: errors.append(f"request failed: {req.url}")
                    if urlparse(req.url).hostname == "127.0.0.1" else None)
            page.goto(server + rel, wait_until="load")
            images = page.eval_on_selector_all(
                "img", "els => els.map(e => ({src: e.getAttribute('src'), alt: e.getAttribute('alt') || '', "
                       "ok: e.complete && e.naturalWidth > 0}))")
            links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
            badges = page.eval_on_selector_all(".badge", "els => els.map(e => e.textContent.trim())")
            permalink = page.eval_on_selector_all("a.permalink", "els => els.map(e => e.href)")
            shot = SCREENSHOTS / (rel.replace("/", "__").removesuffix(".html") + ".png")
            page.screenshot(path=str(shot), full_page=True)
            results[rel] = {"errors": errors, "images": images, "links": links, "badges": badges,
                            "permalinks": permalink, "url": page.url}
            page.close()
        page = context.new_page()
        page.goto(server + "index.html")
        page.wait_for_url("**/book/intro.html", timeout=10000)
        results["index.html"] = {"errors": [], "images": [], "links": [], "badges": [], "permalinks": [],
                                 "url": page.url, "redirect": True}
        page.close()
        browser.close()
    return results


def test_every_page_was_visited_and_screenshotted(visits):
    assert "book/ledger.html" in visits and "book/claims/e1910.html" in visits
    assert visits["index.html"]["url"].endswith("/book/intro.html"), "the site root opens the introduction"
    for rel in visits:
        if visits[rel].get("redirect"):
            continue
        assert (SCREENSHOTS / (rel.replace("/", "__").removesuffix(".html") + ".png")).exists()


def test_no_console_errors(visits):
    bad = {rel: v["errors"] for rel, v in visits.items() if v["errors"]}
    assert not bad


def test_every_image_loaded_and_has_alt_text(visits):
    for rel, v in visits.items():
        for img in v["images"]:
            assert img["ok"], f"{rel}: image did not load: {img['src']}"
            alt = img["alt"].strip()
            assert alt and alt != img["src"] and not re.search(r"\.(png|svg|jpe?g)$", alt), \
                f"{rel}: image without a real alt text: {img['src']}"


def test_claim_pages_show_badges_and_a_figure(visits):
    claim_pages = [rel for rel in visits if rel.startswith("book/claims/")]
    assert claim_pages
    for rel in claim_pages:
        v = visits[rel]
        assert any(b.startswith(("✓", "≈", "✗", "∅", "?", "…")) and "verdict:" in b for b in v["badges"]), rel
        assert any("citation:" in b for b in v["badges"]), rel
        assert v["images"], f"{rel}: no figure"
        assert all(p.startswith("http://127.0.0.1:") and "#" in p for p in v["permalinks"]), rel


def test_every_internal_link_resolves(site: Path, server: str, visits):
    ids_cache: dict[Path, set[str]] = {}

    def ids(path: Path) -> set[str]:
        if path not in ids_cache:
            ids_cache[path] = set(re.findall(r'\bid="([^"]+)"', path.read_text(errors="replace")))
        return ids_cache[path]

    broken = []
    for rel, v in visits.items():
        for href in v["links"]:
            url = urlparse(urljoin(v["url"], href))  # the page's own address, after any redirect
            if url.scheme not in ("http", "https") or url.hostname != "127.0.0.1":
                continue
            target = site / unquote(url.path.lstrip("/"))
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{rel}: {href}")
            elif url.fragment and target.suffix == ".html" and url.fragment not in ids(target):
                broken.append(f"{rel}: {href} (no anchor #{url.fragment})")
    assert not broken, "\n".join(broken)
