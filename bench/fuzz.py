"""Fuzz (issue 13): mutated HTML and PDF documents through ``tracker extract``, each with a time bound.

Usage: python bench/fuzz.py [--count 300] [--seed 13] [--timeout 30] [--jobs 2] [--keep DIR]

The seeds are the repository's fixture policies (tests/samples.py: Aetna, Horizon, Anthem and
BCBS pages, Cigna and UHC PDFs). Each mutant is one or more of: bytes flipped, a cut, a chunk
repeated or dropped, random tags, deep nesting (unclosed ``<font><span>``, ``<div>``), a huge
attribute, control characters and terminal escapes, a wrong charset, a damaged PDF xref or
stream. Each runs as ``python -m tracker extract FILE --code 64600 --json`` in a fresh process.

Reported: crashes (a traceback, or an exit status other than 0, 1, 2 or 5), hangs (past
``--timeout``), the slowest files, peak RSS (the child's ``ru_maxrss`` from ``wait4``). A crash or
a hang keeps its file in the work directory for replay. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import samples  # noqa: E402 - the repository's own fixtures

CLEAN_EXITS = (0, 1, 2, 5)
Mutation = Callable[[bytes, random.Random], bytes]


def seeds() -> dict[str, bytes]:
    return {
        "aetna.html": samples.aetna_cpb_html(1),
        "horizon.html": samples.horizon_range_html(2),
        "anthem.html": samples.anthem_guideline_html(1),
        "bcbs.html": samples.bcbs_trap_html(),
        "cigna.pdf": samples.cigna_policy_pdf(1),
        "uhc.pdf": samples.uhc_policy_pdf(2),
    }


def flip(body: bytes, rng: random.Random) -> bytes:
    data = bytearray(body)
    for _ in range(rng.randint(1, 64)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def cut(body: bytes, rng: random.Random) -> bytes:
    return body[: rng.randrange(1, len(body))]


def repeat(body: bytes, rng: random.Random) -> bytes:
    start = rng.randrange(len(body))
    chunk = body[start : start + rng.randint(1, 4096)]
    return body[:start] + chunk * rng.randint(2, 200) + body[start:]


def drop(body: bytes, rng: random.Random) -> bytes:
    start = rng.randrange(len(body))
    return body[:start] + body[start + rng.randint(1, 8192) :]


def tags(body: bytes, rng: random.Random) -> bytes:
    names = [b"table", b"tr", b"td", b"th", b"p", b"li", b"ul", b"h2", b"caption", b"b", b"font", b"span", b"br/"]
    noise = b"".join(b"<" + rng.choice([b"", b"/"]) + rng.choice(names) + b">" for _ in range(rng.randint(1, 2000)))
    at = rng.randrange(len(body))
    return body[:at] + noise + body[at:]


def nesting(body: bytes, rng: random.Random) -> bytes:
    opener = rng.choice([b"<font><span>", b"<div>", b"<table><tr><td>", b"<ul><li>", b"<b><i>"])
    at = body.find(b"<h1") if b"<h1" in body else rng.randrange(len(body))
    return body[:at] + opener * rng.choice([400, 2000, 10000]) + body[at:]


def attribute(body: bytes, rng: random.Random) -> bytes:
    at = body.find(b"<p")
    huge = b' data-x="' + b"A" * rng.choice([10**5, 10**6, 5 * 10**6]) + b'"'
    return body if at < 0 else body[: at + 2] + huge + body[at + 2 :]


def escapes(body: bytes, rng: random.Random) -> bytes:
    junk = [b"\x1b[2J", b"\x1b]8;;http://x\x1b\\", b"\x9b31m", b"\x00", b"\x07", b"\xc2\x9b", b"\r", b"\x0c"]
    data = body
    for _ in range(rng.randint(1, 50)):
        at = rng.randrange(len(data))
        data = data[:at] + rng.choice(junk) + data[at:]
    return data


def charset(body: bytes, rng: random.Random) -> bytes:
    target = rng.choice([b"windows-1252", b"utf-16", b"shift_jis", b"x-unknown", b"utf-7"])
    return body.replace(b'charset="utf-8"', b'charset="' + target + b'"').replace(
        b"charset=utf-8", b"charset=" + target
    )


def pdf_damage(body: bytes, rng: random.Random) -> bytes:
    marks = [b"xref", b"stream", b"endobj", b"/Length", b"trailer", b"startxref"]
    mark = rng.choice(marks)
    spots = [i for i in range(len(body)) if body.startswith(mark, i)][:50]
    if not spots:
        return flip(body, rng)
    at = rng.choice(spots)
    return body[:at] + os.urandom(rng.randint(1, 64)) + body[at + len(mark) :]


HTML_MUTATIONS: list[Mutation] = [flip, cut, repeat, drop, tags, nesting, attribute, escapes, charset]
PDF_MUTATIONS: list[Mutation] = [flip, cut, repeat, drop, pdf_damage, pdf_damage]


def mutate(name: str, body: bytes, rng: random.Random) -> tuple[bytes, list[str]]:
    pool = PDF_MUTATIONS if name.endswith(".pdf") else HTML_MUTATIONS
    applied = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        mutation = rng.choice(pool)
        body = mutation(body, rng) or body
        applied.append(mutation.__name__)
    return body, applied


def run_one(path: Path, timeout: float) -> dict[str, Any]:
    """``tracker extract`` on one file, in a fresh process: exit status, seconds, peak RSS, a traceback."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tracker", "extract", str(path), "--code", "64600", "--json"],
            stdout=subprocess.DEVNULL,
            stderr=err,
            cwd=ROOT,
        )
        status, rss, hung = _wait(proc, timeout)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    return {
        "file": path.name,
        "status": status,
        "seconds": round(time.monotonic() - started, 2),
        "rss_mb": round(rss / 1024, 1),
        "hang": hung,
        "crash": not hung and ("Traceback" in stderr or status not in CLEAN_EXITS),
        "error": stderr.strip().splitlines()[-1][:200] if stderr.strip() else "",
    }


def _wait(proc: subprocess.Popen[bytes], timeout: float) -> tuple[int | None, int, bool]:
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, usage.ru_maxrss, False
        if time.monotonic() > deadline:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = -9
            return None, usage.ru_maxrss, True
        time.sleep(0.02)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = args.keep or Path(tempfile.mkdtemp(prefix="tracker-fuzz-"))
    work.mkdir(parents=True, exist_ok=True)
    bases = seeds()
    plan = []
    for i in range(args.count):
        name = rng.choice(sorted(bases))
        body, applied = mutate(name, bases[name], rng)
        path = work / f"{i:03d}-{'+'.join(applied)}-{name}"
        path.write_bytes(body)
        plan.append(path)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda p: run_one(p, args.timeout), plan))
    for result, path in zip(results, plan, strict=True):
        if not (result["crash"] or result["hang"]):
            path.unlink()
    times = [r["seconds"] for r in results]
    report = {
        "documents": len(results),
        "crashes": [r for r in results if r["crash"]],
        "hangs": [r for r in results if r["hang"]],
        "exit_statuses": {},
        "seconds_median": statistics.median(times),
        "seconds_max": max(times),
        "slowest": sorted(results, key=lambda r: -r["seconds"])[:5],
        "peak_rss_mb": max(r["rss_mb"] for r in results),
        "wall_seconds": round(time.monotonic() - started, 1),
        "timeout": args.timeout,
        "work": str(work),
    }
    report["exit_statuses"] = {
        str(s): sum(str(r["status"]) == str(s) for r in results) for s in sorted({str(r["status"]) for r in results})
    }
    print(json.dumps(report, indent=2))
    sys.exit(1 if report["crashes"] or report["hangs"] else 0)


if __name__ == "__main__":
    main()
