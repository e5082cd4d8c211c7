"""HTML → PDF by four independent producers, for the producer matrix (tests/test_producer_matrix.py).

Each producer sets type, breaks lines, draws tables and bullets and writes its text runs its own
way, so a PDF reading rule that holds for all four holds by mechanism, not by one producer's habits:

* ``chromium``: headless Chromium (Blink, Skia) printing over the DevTools pipe, with its running
  header and footer (tests/chromium_pdf.py);
* ``weasyprint``: WeasyPrint (its own CSS layout engine, Pango, cairo-free PDF writer);
* ``libreoffice``: LibreOffice Writer/Web importing the HTML and exporting PDF
  (``soffice --headless --convert-to pdf``: every document in one call, which is far faster than
  one call each);
* ``wkhtmltopdf``: wkhtmltopdf (QtWebKit, Qt's PDF printer), several documents at once.

Every conversion is cached on disk by the producer's name and a hash of the HTML, so a second run
converts nothing; the files are written under a name unique to the process and renamed into
place, so two pytest-xdist workers can share the cache.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

from tests.chromium_pdf import print_all

Convert = Callable[[Sequence[bytes], Path], list[bytes]]
"""Convert HTML documents to PDFs (in order), working in a scratch directory."""

TIMEOUT = 300
"""Seconds one producer call may take before the test fails instead of hanging."""


def _chromium(documents: Sequence[bytes], work: Path) -> list[bytes]:
    return print_all(documents, work / "chromium")


def _weasyprint(documents: Sequence[bytes], work: Path) -> list[bytes]:
    import logging

    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # it warns of CSS it does not support
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    out = []
    for doc in documents:
        pdf = HTML(string=doc.decode("utf-8", errors="replace"), base_url=str(work)).write_pdf()
        assert pdf is not None
        out.append(pdf)
    return out


def _libreoffice(documents: Sequence[bytes], work: Path) -> list[bytes]:
    """One ``soffice`` call converts them all (its own profile: no clash with another soffice)."""
    sources = []
    for i, doc in enumerate(documents):
        source = work / f"doc{i:04d}.html"
        source.write_bytes(doc)
        sources.append(source)
    profile = (work / "profile").as_uri()
    command = ["soffice", f"-env:UserInstallation={profile}", "--headless", "--norestore"]
    command += ["--convert-to", "pdf", "--outdir", str(work), *map(str, sources)]
    _run(command)
    return [source.with_suffix(".pdf").read_bytes() for source in sources]


def _wkhtmltopdf(documents: Sequence[bytes], work: Path) -> list[bytes]:
    """Two ``wkhtmltopdf`` at a time (it spends most of its time waiting on its own event loop)."""
    env = {**os.environ, "XDG_RUNTIME_DIR": str(work), "QT_QPA_PLATFORM": "offscreen"}
    running: list[tuple[subprocess.Popen[bytes], Path]] = []
    targets = []
    for i, doc in enumerate(documents):
        source = work / f"doc{i:04d}.html"
        source.write_bytes(doc)
        target = source.with_suffix(".pdf")
        targets.append(target)
        command = ["wkhtmltopdf", "--quiet", "--enable-local-file-access", str(source), str(target)]
        running.append((subprocess.Popen(command, env=env, stderr=subprocess.PIPE), target))
        if len(running) >= 2:
            _finish(*running.pop(0))
    for proc, target in running:
        _finish(proc, target)
    return [target.read_bytes() for target in targets]


def _finish(proc: subprocess.Popen[bytes], target: Path) -> None:
    _, err = proc.communicate(timeout=TIMEOUT)
    if proc.returncode != 0 or not target.exists():
        raise RuntimeError(f"wkhtmltopdf failed ({proc.returncode}): {err.decode(errors='replace')[-500:]}")


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({done.returncode}): {done.stderr.decode(errors='replace')[-500:]}")


PRODUCERS: dict[str, Convert] = {
    "chromium": _chromium,
    "weasyprint": _weasyprint,
    "libreoffice": _libreoffice,
    "wkhtmltopdf": _wkhtmltopdf,
}
COMMANDS = {"chromium": "chromium", "libreoffice": "soffice", "wkhtmltopdf": "wkhtmltopdf"}
"""The program each producer runs (WeasyPrint is a Python package of the ``test`` extra)."""


@cache
def fonts() -> bytes:
    """The installed fonts (fontconfig's list): part of a cached PDF's key, since every producer
    lays the page out in them and a new font changes the PDF."""
    try:
        listed = subprocess.run(["fc-list"], capture_output=True, timeout=60, check=False).stdout
    except OSError:
        return b""
    return b"\n".join(sorted(listed.splitlines()))


def convert(producer: str, documents: Sequence[bytes], cache: Path) -> list[bytes]:
    """PDFs of the HTML ``documents`` made by ``producer``, in order; cached under ``cache``
    by the HTML and the installed fonts."""
    folder = cache / producer
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / (hashlib.sha256(fonts() + doc).hexdigest()[:32] + ".pdf") for doc in documents]
    missing = sorted({i for i, path in enumerate(paths) if not path.exists()})
    if missing:
        with tempfile.TemporaryDirectory(prefix=f"{producer}-") as scratch:
            made = PRODUCERS[producer]([documents[i] for i in missing], Path(scratch))
            for i, pdf in zip(missing, made, strict=True):
                tmp = paths[i].with_name(f"{paths[i].stem}.{os.getpid()}.tmp")
                tmp.write_bytes(pdf)
                tmp.replace(paths[i])
    return [path.read_bytes() for path in paths]


def missing_programs() -> list[str]:
    """Producers whose program is not installed (``.ci/run`` installs them all)."""
    return [name for name, program in COMMANDS.items() if shutil.which(program) is None]
