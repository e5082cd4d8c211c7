"""Print HTML documents to PDF with one headless Chromium (/usr/bin/chromium), cached on disk.

One browser prints every document over the DevTools protocol on a pipe
(``--remote-debugging-pipe``: JSON messages separated by NUL on file descriptors 3 and 4),
which is about twenty times faster than one ``chromium --print-to-pdf`` per document. The
page is printed as a reader prints it: Chromium's running header (date, title) and footer
(URL, page number) included. PDFs are cached by a hash of the HTML, so a second session
prints nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HEADER = (
    '<div style="font-size:8px;width:100%;margin:0 0.4in"><span class="date"></span>'
    '<span style="margin-left:2em" class="title"></span></div>'
)
FOOTER = (
    '<div style="font-size:8px;width:100%;margin:0 0.4in"><span class="url"></span>'
    '<span style="float:right"><span class="pageNumber"></span>/<span class="totalPages"></span></span></div>'
)


class Browser:
    """A headless Chromium driven over ``--remote-debugging-pipe``."""

    def __init__(self) -> None:
        self.profile = tempfile.mkdtemp(prefix="chromium-pdf-")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def fds() -> None:  # runs in the child: its fd 3 reads our commands, fd 4 writes replies
            read, write = os.dup(to_child_r), os.dup(from_child_w)  # out of the way of 3 and 4 first
            os.dup2(read, 3)
            os.dup2(write, 4)

        self.proc = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                f"--user-data-dir={self.profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            preexec_fn=fds,  # noqa: PLW1509 - the only way to place the pipe on fds 3 and 4
            pass_fds=(3, 4, to_child_r, from_child_w),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._id = 0
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable", session=self.session)

    def _send(self, message: dict[str, Any]) -> None:
        os.write(self._to_child, json.dumps(message).encode() + b"\0")

    def _receive(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed its DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> Any:
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._send(message)
        while True:
            reply = self._receive()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def wait(self, event: str) -> None:
        while True:
            reply = self._receive()
            if reply.get("method") == event:
                return

    def print_pdf(self, html_file: Path) -> bytes:
        self.call("Page.navigate", {"url": html_file.as_uri()}, session=self.session)
        self.wait("Page.loadEventFired")
        options = {
            "displayHeaderFooter": True,
            "headerTemplate": HEADER,
            "footerTemplate": FOOTER,
            "marginTop": 0.7,
            "marginBottom": 0.7,
            "printBackground": False,
        }
        result = self.call("Page.printToPDF", options, session=self.session)
        return base64.b64decode(result["data"])

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (RuntimeError, OSError):
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        for fd in (self._to_child, self._from_child):
            os.close(fd)
        shutil.rmtree(self.profile, ignore_errors=True)


def print_all(documents: Iterable[bytes], cache: Path) -> list[bytes]:
    """PDF of each HTML document, in order; cached in ``cache`` by the HTML's hash."""
    cache.mkdir(parents=True, exist_ok=True)
    docs = list(documents)
    paths = [cache / (hashlib.sha256(d).hexdigest()[:32] + ".pdf") for d in docs]
    missing = [i for i, p in enumerate(paths) if not p.exists()]
    if missing:
        browser = Browser()
        try:
            for i in missing:
                source = paths[i].with_suffix(".html")
                source.write_bytes(docs[i])
                pdf = browser.print_pdf(source)
                tmp = paths[i].with_suffix(".tmp")
                tmp.write_bytes(pdf)
                tmp.replace(paths[i])
                source.unlink()
        finally:
            browser.close()
    return [p.read_bytes() for p in paths]
