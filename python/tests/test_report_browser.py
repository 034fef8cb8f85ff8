"""The report page in headless Chromium (Debian `chromium`): every class name and count in the
rendered text, screenshots at desktop and phone widths, and nothing fetched from the network."""

import html.parser
import os
import shutil
import socket
import subprocess
import threading

import pytest
from PIL import Image

from conftest import DIGITS, run_cli

CHROMIUM = os.environ.get("CLASSFLOW_CHROMIUM") or shutil.which("chromium")
# Chromium's own services (time, component updates, accounts): not requests of the page.
BROWSER_HOSTS = ("google.com", "googleapis.com", "gstatic.com", "gvt1.com", "googleusercontent.com")


class _Proxy:
    """A loopback HTTP proxy that only records the first line of every request it gets."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(32)
        self.requests = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(2)
            try:
                line = conn.recv(512).split(b"\r\n")[0].decode("latin-1")
            except OSError:
                line = ""
            # A connection that sends no request line (Chromium 156 preconnects to the proxy and
            # closes unused sockets) fetched nothing; a fetch always starts with its request line.
            if line:
                self.requests.append(line)
            conn.close()

    def page_requests(self):
        def host(line):
            parts = line.split(" ")
            target = parts[1] if len(parts) > 1 else ""
            return target.split("://")[-1].split("/")[0].split(":")[0]
        return [r for r in self.requests if not host(r).endswith(BROWSER_HOSTS)]


def _chromium(page, *args):
    if CHROMIUM is None:
        pytest.fail("chromium is not installed; `make test` installs Debian's chromium (scripts/debian-packages-test.txt)")
    proxy = _Proxy()
    cmd = [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
           "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
           "--disable-default-apps", "--no-default-browser-check", f"--proxy-server=http://127.0.0.1:{proxy.sock.getsockname()[1]}",
           "--proxy-bypass-list=<-loopback>", "--virtual-time-budget=2000", *args, page.as_uri()]
    p = subprocess.run(cmd, capture_output=True, timeout=120)
    proxy.sock.close()
    assert p.returncode == 0, p.stderr.decode(errors="replace")[-2000:]
    return p.stdout.decode(), proxy.page_requests()


class _Rows(html.parser.HTMLParser):
    """Text of every table row's cells, and the whole visible text."""

    def __init__(self):
        super().__init__()
        self.rows, self.text, self._row, self._cell, self._skip = [], [], None, None, 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "title", "svg"):
            self._skip += 1
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("style", "title", "svg"):
            self._skip -= 1
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._skip:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def test_control_page_fetch_is_seen(tmp_path):
    # The detector works: a page with an external image makes a request through the proxy.
    page = tmp_path / "control.html"
    page.write_text('<!doctype html><img src="http://example.com/x.png"><p>control</p>')
    _, requests = _chromium(page, "--dump-dom")
    assert any("example.com/x.png" in r for r in requests), requests


def test_digits_report_renders_offline_with_every_class_and_count(tmp_path):
    page = tmp_path / "digits.html"
    code, out, err = run_cli("report", DIGITS, "-o", page)
    assert code == 0, err
    dom, requests = _chromium(page, "--dump-dom")
    assert requests == []
    rows = _Rows()
    rows.feed(dom)
    text = " ".join("".join(rows.text).split())
    counts = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    for i, n in enumerate(counts):
        label = "[" + ",".join("1" if k == i else "0" for k in range(10)) + "]"
        weight = f"{1797 / (10 * n):.4f}"
        assert [str(i), str(i), label, str(n), weight] in rows.rows
        assert f"{i} — {DIGITS}, label {label} — {n} images" in text
    assert "1797 images" in text and "Result: clean" in text

    for width, name in ((1280, "desktop"), (390, "phone")):
        shot = tmp_path / f"digits-{name}.png"
        _, requests = _chromium(page, f"--screenshot={shot}", f"--window-size={width},1600")
        assert requests == []
        im = Image.open(shot).convert("L")
        assert im.size == (width, 1600)
        lo, hi = im.getextrema()
        assert hi - lo > 100  # drawn, not blank
