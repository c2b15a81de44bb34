"""Open every page of the built site in headless Chromium, as a reader would, at a desktop
window (1280×900) and a phone (390×844).

Driven by Playwright with Debian's Chromium (``executable_path``); no browser is ever
downloaded. Asserts: no console errors or page errors; every image loaded, captioned with a
figure number and described by alt text; no page scrolls sideways at either width; every claim
page shows its bottom line (badges, quote, deciding number, reason) in the first screen, and each
claim's section does when opened at its anchor; every page's badges equal the ledger's verdicts;
no internal identifier (claim id, BibTeX key, method code) in the visible text; every internal
link (and anchor) resolves; and axe-core (npm package ``axe-core``, see ``AXE``) finds no
violation of serious or critical impact against WCAG 2.1 AA. Screenshots go to
``_build/screenshots/``. Without Chromium the module is skipped with a message saying how to
enable it. ``REPORT_SITE=/path/to/_build/html`` tests an existing build instead of building one.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
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
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
#: axe-core, installed from the npm registry (``npm install axe-core@4``: .ci/run does it).
AXE = next((p for p in (ROOT / "node_modules" / "axe-core" / "axe.min.js",
                        Path("/usr/lib/node_modules/axe-core/axe.min.js")) if p.exists()), None)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Method codes a reader must never meet outside code: "raw EE hk", "ftda", "logit REML wald".
METHOD_CODE = re.compile(r"\b(?:ftda|asin)\b|\b(?:logit|raw)\s+(?:EE|DL|PM|REML|ML|GLMM)\s+(?:hk|wald)\b")
#: What is visible to a reader: the article's text outside code, math and the cite-this-claim box.
VISIBLE_TEXT = """() => {
  const root = document.querySelector('main') || document.body;
  const clone = root.cloneNode(true);
  clone.querySelectorAll('code, pre, .MathJax, mjx-container, script, style, details.cite-claim, .headerlink')
       .forEach(e => e.remove());
  return clone.innerText;
}"""


@pytest.fixture(scope="module")
def built_site(request) -> Path:
    """The site to test: ``REPORT_SITE`` when set (an existing build), else a fresh strict build."""
    given = os.environ.get("REPORT_SITE")
    if given:
        return Path(given)
    return request.getfixturevalue("site")


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
def server(built_site: Path):
    site = built_site
    handler = functools.partial(_Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def ledger(built_site: Path) -> dict:
    return json.loads((built_site / "_static" / "ledger.json").read_text(encoding="utf-8"))


def _bibkeys() -> set[str]:
    text = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    return set(re.findall(r"@\w+\{([^,\s]+),", text))


BOTTOM_LINE = """(sel) => {
  const box = document.querySelector(sel);
  if (!box) { return null; }
  const r = box.getBoundingClientRect();
  const part = (q) => { const e = box.querySelector(q); if (!e) { return null; }
                        const b = e.getBoundingClientRect(); return {top: b.top, bottom: b.bottom, left: b.left,
                        right: b.right, text: e.innerText}; };
  return {top: r.top, badges: part('.bottom-line-badges'), quote: part('.claim-quote'),
          deciding: part('.deciding'), reason: part('.claim-takeaway')};
}"""


def screenshot_path(rel: str, width: int) -> Path:
    """Where a page's first-screen screenshot at one width goes ('book/intro.html' -> book__intro-390.png)."""
    return SCREENSHOTS / (rel.replace("/", "__").removesuffix(".html") + f"-{width}.png")


def _visit_pages(server: str, pages: list[str], claim_anchors: dict, device: str, redirect: bool) -> dict:
    """Visit ``pages`` at one width in a browser of its own (one Playwright per thread, as the sync
    API requires); with ``redirect``, also the site root."""
    width, height = WIDTHS[device]
    results = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        context = browser.new_context(viewport={"width": width, "height": height})
        for rel in pages:
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda msg, errors=errors: errors.append(f"{msg.text} ({msg.location.get('url')})")
                    if msg.type == "error" and _local(msg.location.get("url", "")) else None)
            page.on("response", lambda r, errors=errors: errors.append(f"HTTP {r.status}: {r.url}")
                    if r.status >= 400 and _local(r.url) else None)
            page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
            page.on("requestfailed", lambda req, errors=errors: errors.append(f"request failed: {req.url}")
                    if urlparse(req.url).hostname == "127.0.0.1" else None)
            page.goto(server + rel, wait_until="load")
            page.wait_for_timeout(150)
            # the first screen, as a reader opening the page sees it (before anything scrolls)
            page.screenshot(path=str(screenshot_path(rel, width)), full_page=False)
            images = page.eval_on_selector_all(
                "main img", "els => els.map(e => ({src: e.getAttribute('src'), alt: e.getAttribute('alt') || '', "
                            "ok: e.complete && e.naturalWidth > 0, "
                            "caption: (e.closest('figure') && e.closest('figure').querySelector('figcaption')) ? "
                            "e.closest('figure').querySelector('figcaption').innerText : ''}))")
            visit = {
                "errors": errors, "images": images, "url": page.url,
                "links": page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"),
                "badges": page.eval_on_selector_all(".badge", "els => els.map(e => e.textContent.trim())"),
                "badge_values": page.eval_on_selector_all(
                    ".badges",
                    "els => els.map(e => Array.from(e.querySelectorAll('.badge')).map(b => b.className))"),
                "headers": page.eval_on_selector_all(
                    ".bottom-line", "els => els.map(e => ({id: e.id, classes: "
                                    "Array.from(e.querySelectorAll('.badge')).map(b => b.className)}))"),
                "permalinks": page.eval_on_selector_all("a.permalink", "els => els.map(e => e.href)"),
                "overflow": page.evaluate("document.documentElement.scrollWidth - window.innerWidth"),
                "text": page.evaluate(VISIBLE_TEXT),
                "first_screen": page.evaluate(BOTTOM_LINE, ".bottom-line, .page-summary"),
                "first_figure": page.evaluate("() => { const f = document.querySelector('main figure'); "
                                              "return f ? f.getBoundingClientRect().top : null; }"),
                "height": height, "width": width,
                "reasons_shown": page.evaluate("() => Array.from(document.querySelectorAll('.claim-reason'))"
                                               ".filter(e => !e.closest('details') && e.offsetHeight > 0).length"),
            }
            if AXE is not None:
                # preload off: axe's CSSOM preload re-fetches each stylesheet's @import relative to
                # the page, not the stylesheet (404s that are axe's, not the site's)
                page.add_script_tag(path=str(AXE))
                visit["axe"] = page.evaluate(
                    "async (tags) => { const r = await axe.run(document, "
                    "{runOnly: {type: 'tag', values: tags}, preload: false}); "
                    "return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, "
                    "nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})); }", AXE_TAGS)
            sections = {}
            for anchor in claim_anchors.get(rel, []):
                page.goto(server + rel + "#" + anchor, wait_until="load")
                page.wait_for_timeout(100)
                sections[anchor] = page.evaluate(BOTTOM_LINE, f"#claim-{anchor}-header")
            visit["sections"] = sections
            results[(device, rel)] = visit
            page.close()
        context.close()
        if redirect:
            page = browser.new_page()
            page.goto(server + "index.html")
            page.wait_for_url("**/book/intro.html", timeout=10000)
            results[("desktop", "index.html")] = {"errors": [], "images": [], "links": [], "badges": [],
                                                  "permalinks": [], "url": page.url, "redirect": True}
            page.close()
        browser.close()
    return results


@pytest.fixture(scope="module")
def visits(built_site: Path, server: str, ledger: dict):
    """Visit every page once at each width (the two widths side by side, one browser each: both
    cores); collect what each test asserts on."""
    from concurrent.futures import ThreadPoolExecutor

    site = built_site
    pages = sorted(str(p.relative_to(site)) for p in site.rglob("*.html")
                   if not p.name.startswith(("genindex", "search")) and "_static" not in p.parts
                   and str(p.relative_to(site)) != "index.html")  # a redirect; tested on its own below
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    claim_anchors = {}
    for row in ledger["claims"]:
        page, anchor = row["page"].split("#")
        claim_anchors.setdefault(page, []).append(anchor)
    results = {}
    with ThreadPoolExecutor(max_workers=len(WIDTHS)) as pool:
        for done in pool.map(lambda device: _visit_pages(server, pages, claim_anchors, device, device == "desktop"),
                             WIDTHS):
            results.update(done)
    return results


def _pages(visits, device="desktop"):
    return {rel: v for (d, rel), v in visits.items() if d == device and not v.get("redirect")}


def test_every_page_was_visited_and_screenshotted(visits):
    pages = _pages(visits)
    assert "book/ledger.html" in pages and "book/claims/e1910.html" in pages
    assert visits[("desktop", "index.html")]["url"].endswith("/book/intro.html"), "the site root opens the introduction"
    for device, (width, _) in WIDTHS.items():
        for rel in _pages(visits, device):
            assert screenshot_path(rel, width).exists()


def test_no_console_errors(visits):
    bad = {key: v["errors"] for key, v in visits.items() if v["errors"]}
    assert not bad


def test_every_image_loaded_and_has_alt_text(visits):
    for rel, v in _pages(visits).items():
        for img in v["images"]:
            assert img["ok"], f"{rel}: image did not load: {img['src']}"
            alt = img["alt"].strip()
            assert alt and alt != img["src"] and not re.search(r"\.(png|svg|jpe?g)$", alt), \
                f"{rel}: image without a real alt text: {img['src']}"


def test_claim_pages_show_badges_and_a_figure(visits):
    claim_pages = [rel for rel in _pages(visits) if rel.startswith("book/claims/")]
    assert claim_pages
    for rel in claim_pages:
        v = _pages(visits)[rel]
        assert any(b.startswith(("✓", "≈", "≉", "✗", "∅", "?", "…")) and "verdict:" in b for b in v["badges"]), rel
        assert any("citation:" in b for b in v["badges"]), rel
        assert v["images"], f"{rel}: no figure"
        assert all(p.startswith("http://127.0.0.1:") and "#" in p for p in v["permalinks"]), rel


@pytest.mark.parametrize("device", list(WIDTHS))
def test_no_page_scrolls_sideways(visits, device):
    wide = {rel: v["overflow"] for rel, v in _pages(visits, device).items() if v["overflow"] > 0}
    assert not wide, f"pages wider than the {device} screen (px too wide): {wide}"


def _on_screen(box, height, width):
    return box is not None and box["top"] >= 0 and box["bottom"] <= height and box["right"] <= width + 1


@pytest.mark.parametrize("device", list(WIDTHS))
def test_first_screen_of_every_claim_page_gives_the_bottom_line(visits, device):
    """At the top of each claim page: badges (and, on a one-claim page, the quote, the deciding
    number and the reason) inside the first screen."""
    problems = []
    for rel, v in _pages(visits, device).items():
        if not rel.startswith("book/claims/"):
            continue
        first = v["first_screen"]
        if first is None or first["top"] > v["height"]:
            problems.append(f"{rel}: no bottom line or claim summary in the first screen")
            continue
        if first["badges"] is not None:   # a one-claim page opens with the claim's own bottom line
            for part in ("badges", "quote", "deciding") + (("reason",) if device == "desktop" else ()):
                box = first[part]
                if box is None or box["top"] > v["height"]:
                    problems.append(f"{rel}: the bottom line's {part} is not in the first screen")
            if device == "desktop" and (v["first_figure"] is None or v["first_figure"] > v["height"] - 150):
                problems.append(f"{rel}: the deciding figure does not start in the first screen")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("device", list(WIDTHS))
def test_each_claim_section_opens_on_its_bottom_line(visits, device):
    """Opened at its anchor (the ledger's link), each claim shows its badges, quote and deciding
    number in the first screen; at 1280×900 its reason starts there too."""
    problems = []
    for rel, v in _pages(visits, device).items():
        for anchor, box in v["sections"].items():
            if box is None:
                problems.append(f"{rel}#{anchor}: no bottom line")
                continue
            parts = ("badges", "quote", "deciding") + (("reason",) if device == "desktop" else ())
            for part in parts:
                b = box[part]
                if b is None or b["top"] < 0 or b["top"] > v["height"] - 20:
                    problems.append(f"{rel}#{anchor}: {part} not in the first screen")
            if box["badges"] is not None and box["badges"]["right"] > v["width"]:
                problems.append(f"{rel}#{anchor}: badges off screen")
    assert not problems, "\n".join(problems)


def test_every_reason_is_visible_without_a_click(visits):
    """The full reason of every claim is on its page, outside any folded element."""
    for rel, v in _pages(visits).items():
        for anchor, box in v["sections"].items():
            assert box is not None and box["reason"] is not None, f"{rel}#{anchor}: no bottom line"
        if v["sections"]:
            assert v["reasons_shown"] >= len(v["sections"]), f"{rel}: a claim's full reason is missing or folded"


def test_every_figure_is_numbered_and_captioned(visits):
    for rel, v in _pages(visits).items():
        for img in v["images"]:
            caption = img["caption"].strip()
            assert re.match(r"^Fig\. ?\d", caption), f"{rel}: figure without a numbered caption: {img['src']}"
            assert len(caption) > 40, f"{rel}: caption too short to say what to see: {caption!r}"


def test_every_badge_agrees_with_the_ledger(visits, ledger):
    """Each claim's badges, wherever shown (its section, the summary of findings, the ledger),
    are the ledger's values: one truth per verdict."""
    rows = {r["id"]: r for r in ledger["claims"]}
    problems = []
    for rel, v in _pages(visits).items():
        for header in v["headers"]:
            cid = header["id"].removeprefix("claim-").removesuffix("-header")
            want = {f"citation-{rows[cid]['citation']}", f"verdict-{rows[cid]['verdict']}"}
            got = {c for cls in header["classes"] for c in cls.split() if c.startswith(("citation-", "verdict-"))}
            if got != want:
                problems.append(f"{rel}: {cid} shows {sorted(got)}, ledger {sorted(want)}")
    intro = _pages(visits)["book/intro.html"]
    pairs = [sorted(c for cls in group for c in cls.split() if c.startswith(("citation-", "verdict-")))
             for group in intro["badge_values"]]
    want = [sorted([f"citation-{r['citation']}", f"verdict-{r['verdict']}"]) for r in ledger["claims"]]
    if pairs[:len(want)] != want:
        problems.append("intro: the summary of findings does not show the ledger's verdicts in order")
    assert not problems, "\n".join(problems)


def test_no_internal_identifier_is_visible(visits, ledger):
    """No claim id, BibTeX key or method code in the text a reader sees (code excepted)."""
    pages = {Path(r["page"].split("#")[0]).stem for r in ledger["claims"]}
    ids = {r["id"] for r in ledger["claims"]} - pages        # a page's file name is not a leak
    keys = {k for k in _bibkeys() if not re.fullmatch(r"NCT\d{8}", k)}   # registry numbers are public ids
    problems = []
    for rel, v in _pages(visits).items():
        text = v["text"]
        words = set(re.findall(r"[A-Za-z][\w-]*[\w]", text))
        leaked = sorted((ids | keys) & words)
        if leaked:
            problems.append(f"{rel}: {leaked[:8]}")
        if METHOD_CODE.search(text):
            problems.append(f"{rel}: method code {METHOD_CODE.search(text).group(0)!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.skipif(AXE is None, reason="axe-core not installed: npm install axe-core@4 (.ci/run does it)")
@pytest.mark.parametrize("device", list(WIDTHS))
def test_no_serious_accessibility_violation(visits, device):
    bad = {rel: [f"{x['id']} ({x['impact']}): {x['help']} {x['nodes']}" for x in v["axe"]
                 if x["impact"] in ("serious", "critical")]
           for rel, v in _pages(visits, device).items()}
    bad = {rel: found for rel, found in bad.items() if found}
    assert not bad, "\n".join(f"{rel}: {found}" for rel, found in bad.items())


def test_every_internal_link_resolves(built_site: Path, server: str, visits):
    site = built_site
    ids_cache: dict[Path, set[str]] = {}

    def ids(path: Path) -> set[str]:
        if path not in ids_cache:
            ids_cache[path] = set(re.findall(r'\bid="([^"]+)"', path.read_text(errors="replace")))
        return ids_cache[path]

    broken = []
    for rel, v in _pages(visits).items():
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
