"""Issue 22: the newcomer's path from a built wheel, in an empty directory (no checkout, no network).

The wheel is built from a copy of the project (setuptools, no build isolation: nothing is
downloaded), installed without its dependencies into a fresh venv that borrows them from the
test's environment (a .pth line), and driven as a user would: demo → init → test → run →
datasette --help. The sources are our loopback server's, never a payer's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from tests import samples
from tests.helpers import FAST_FETCH, PolicyServer

ROOT = Path(__file__).resolve().parents[1]
CIGNA = "/coveragePolicies/medical/mm_0525.pdf"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """payer-policy-tracker's wheel, built from a copy of the sources."""
    copy = tmp_path_factory.mktemp("project")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, copy / name)
    shutil.copytree(ROOT / "tracker", copy / "tracker", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            out,
            copy,
        ],
        check=True,
        capture_output=True,
    )
    [built] = out.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed; its dependencies borrowed from this environment."""
    root = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", root], check=True)
    site = Path(
        subprocess.run(
            [root / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    pip = [sys.executable, "-m", "pip", "--python", str(root / "bin" / "python"), "install"]
    subprocess.run([*pip, "--no-deps", "--no-index", "-q", wheel], check=True, capture_output=True)
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return root


def test_the_wheel_is_payer_policy_tracker_with_its_package_data(wheel: Path) -> None:
    assert wheel.name.startswith("payer_policy_tracker-")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        [metadata] = [n for n in names if n.endswith(".dist-info/METADATA")]
        headers = Parser().parsestr(archive.read(metadata).decode("utf-8"))
        entry_points = next(archive.read(n) for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert headers["Name"] == "payer-policy-tracker"
    assert {"tracker/datasette.yaml", "tracker/demo/starter.toml", "tracker/py.typed"} <= names
    assert any(n.startswith("tracker/demo/data/") and n.endswith(".pdf") for n in names)
    assert any(n.endswith("LICENSE") for n in names)
    assert b"tracker = tracker.cli:cli" in entry_points


def test_the_newcomer_path_from_the_wheel_in_an_empty_directory(
    venv: Path, tmp_path: Path, server: PolicyServer
) -> None:
    home = tmp_path / "home"
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "PYTHON", "VIRTUAL_ENV"))}
    env |= {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".data")}

    def tracker(*args: str, code: int = 0) -> str:
        done = subprocess.run(
            [venv / "bin" / "tracker", *args], cwd=empty, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == code, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        return done.stdout + done.stderr

    where = subprocess.run(
        [venv / "bin" / "python", "-c", "import tracker; print(tracker.__file__)"],
        cwd=empty,
        env=env,
        capture_output=True,
        text=True,
    )
    assert where.stdout.startswith(str(venv)), where.stdout + where.stderr  # the wheel's copy, not the checkout
    assert "Usage: tracker" in tracker()
    assert "Changes (" in tracker("demo", "--dir", str(tmp_path / "demo"))
    init = tracker("init")
    assert f"Data (captures and tracker.db): {empty / 'snapshots'}" in init
    server.set(CIGNA, samples.cigna_policy_pdf(1), content_type="application/pdf")
    (empty / "sources.toml").write_text(
        f'codes = ["64600"]\n[[source]]\nid = "cigna-0525"\npayer = "cigna"\ntitle = "Peripheral nerve destruction"\n'
        f'url = "{server.url(CIGNA)}"\n' + FAST_FETCH,
        encoding="utf-8",
    )
    assert "64600" in tracker("test", "cigna-0525")
    assert "1 new" in tracker("run", "--no-notify")
    assert (empty / "snapshots" / "tracker.db").exists()
    assert "cigna-0525" in tracker("status")
    assert "--port N" in tracker("datasette", "--help")
    shipped = subprocess.run(
        [venv / "bin" / "python", "-c", "from tracker.cli.browse import DATASETTE_YAML as p; print(p, p.exists())"],
        cwd=empty,
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    assert shipped.startswith(str(venv)) and shipped.strip().endswith("True")
