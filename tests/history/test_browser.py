#!/usr/bin/env python3
"""test_browser.py - pcbench's HTML pages in a real browser: Debian's chromium, headless.

For each page given: chromium loads it from file:// (--dump-dom, then --screenshot), with a
fresh profile and every background fetch off, and the test checks that
  - every case named on the command line is a chart (<figure class="chart" data-case=...>)
    holding an <svg> in the DOM after the page's script ran, and there are as many charts as
    cases (the filter bar's count, written by the script, says so too);
  - the browser logged no console message at all (a script error, a refused fetch, a
    console.error: our pages log nothing);
  - the screenshot is not blank: some pixels are dark and many differ from the background.
Before that, the checks are run on a page made to fail them (a script error, no chart), so a
checker that could not fail fails the test.

usage: test_browser.py WORKDIR PAGE CASES_FILE [PAGE CASES_FILE ...]
       (CASES_FILE: one case per line, the figures' data-case values)
Exit 77 (skipped) when chromium is not installed (tests/run-tests.sh installs it).
"""
import html.parser
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0", "--window-size=1000,800"]


def chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def run(browser, work, page, extra):
    """Runs chromium once on page with a fresh profile; returns (stdout, console lines)."""
    profile = tempfile.mkdtemp(dir=work, prefix="profile-")
    try:
        p = subprocess.run([browser] + FLAGS + ["--user-data-dir=" + profile] + extra +
                           ["file://" + os.path.abspath(page)],
                           capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    console = [l for l in p.stderr.splitlines() if ":CONSOLE" in l]
    return p.stdout, console


class Charts(html.parser.HTMLParser):
    """The data-case of every <figure class="chart"> that holds an <svg>, and f-count's text."""

    def __init__(self):
        super().__init__()
        self.cases, self.current, self.count, self.in_count = [], None, "", False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "figure" and "chart" in (a.get("class") or "").split():
            self.current = a.get("data-case")
        elif tag == "svg" and self.current is not None:
            self.cases.append(self.current)
            self.current = None
        elif a.get("id") == "f-count":
            self.in_count = True

    def handle_endtag(self, tag):
        if tag == "figure":
            self.current = None
        if tag == "span":
            self.in_count = False

    def handle_data(self, data):
        if self.in_count:
            self.count += data


def png_pixels(path):
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB or RGBA PNG, filters undone."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), "unexpected PNG format"
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def check(browser, work, page, cases):
    """The list of what is wrong with page (empty when nothing is)."""
    problems = []
    dom, console = run(browser, work, page, ["--dump-dom"])
    problems += ["console: " + l.split("] ", 1)[-1] for l in console]
    parser = Charts()
    parser.feed(dom)
    missing = [c for c in cases if c not in parser.cases]
    if missing:
        problems.append("%d cases have no chart in the DOM, e.g. %s" % (len(missing), missing[0]))
    if len(parser.cases) != len(cases):
        problems.append("%d charts in the DOM, %d expected" % (len(parser.cases), len(cases)))
    if parser.count.strip() != "%d charts" % len(cases):
        problems.append("the filter bar says %r, not '%d charts' (did the script run?)" %
                        (parser.count.strip(), len(cases)))
    shot = os.path.join(work, "shot.png")
    if os.path.exists(shot):
        os.unlink(shot)
    _, console = run(browser, work, page, ["--screenshot=" + shot])
    problems += ["console: " + l.split("] ", 1)[-1] for l in console]
    if not os.path.exists(shot):
        problems.append("no screenshot")
    else:
        w, h, bpp, rows = png_pixels(shot)
        dark = differ = 0
        bg = rows[0][:3]
        for row in rows[::4]:
            for x in range(0, w * bpp, bpp * 4):
                px = row[x:x + 3]
                differ += px != bg
                dark += sum(px) < 200
        if dark < 100 or differ < 1000:
            problems.append("the screenshot is blank (%d dark, %d non-background samples)" %
                            (dark, differ))
    return problems


def main():
    browser = chromium()
    if browser is None:
        print("skipped: chromium is not installed (apt-get install chromium)")
        return 77
    work = sys.argv[1]
    os.makedirs(work, exist_ok=True)
    failures = 0
    # The checker must be able to fail: a page with a script error and no chart.
    bad = os.path.join(work, "bad.html")
    with open(bad, "w") as f:
        f.write("<!DOCTYPE html><html><body><p>x</p><script>nosuch();</script></body></html>")
    found = check(browser, work, bad, ["Threaded/CPU.hash"])
    for want in ("console:", "no chart", "blank"):
        if not any(want in p for p in found):
            print("FAIL: the checker misses '%s' on a broken page: %s" % (want, found))
            failures += 1
    args = sys.argv[2:]
    for page, cases_file in zip(args[0::2], args[1::2]):
        cases = [l.rstrip("\n") for l in open(cases_file) if l.strip()]
        problems = check(browser, work, page, cases)
        for p in problems:
            print("FAIL: %s: %s" % (page, p))
        if not problems:
            print("ok - %s: %d charts in the DOM, no console message, screenshot not blank" %
                  (page, len(cases)))
        failures += len(problems)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
