"""Drive the installed ``catalogue-app`` command as a user would."""

import json
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from catalogue_app import __version__

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def user_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CATALOGUE_DATABASE_URL"}
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        QT_QPA_PLATFORM="offscreen",
    )
    return env


def run(command: list[str], home: Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, capture_output=True, text=True, env=user_env(home), cwd=cwd, timeout=300
    )


def test_first_run_creates_and_seeds_the_embedded_database(tmp_path):
    app = str(BIN / "catalogue-app")
    result = run([app, "products", "search", "athena", "--format", "json"], tmp_path, tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["code"] == "ATHENA"
    database = tmp_path / "data" / "catalogue-app" / "catalogue.sqlite"
    assert database.exists()
    again = run([app, "frameworks", "list", "--format", "csv"], tmp_path, tmp_path)
    assert again.returncode == 0 and "RM6100" in again.stdout


def test_python_dash_m_works_the_same(tmp_path):
    result = run([sys.executable, "-m", "catalogue_app", "--version"], tmp_path, tmp_path)
    assert result.returncode == 0 and result.stdout.strip() == f"catalogue-app {__version__}"


def test_unknown_product_from_the_command_line(tmp_path):
    app = str(BIN / "catalogue-app")
    result = run([app, "products", "show", "NOPE"], tmp_path, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == "catalogue-app: No product has the code “NOPE”."


def test_outputs_never_replace_the_database_or_end_in_a_traceback(tmp_path):
    app = str(BIN / "catalogue-app")
    first = run([app, "forces", "list"], tmp_path, tmp_path)
    assert first.returncode == 0, first.stderr
    database = tmp_path / "data" / "catalogue-app" / "catalogue.sqlite"
    before = database.read_bytes()
    onto_database = run(
        [app, "purchases", "export", "--format", "xlsx", "--out", str(database), "--force"],
        tmp_path,
        tmp_path,
    )
    template_onto_database = run(
        [app, "purchases", "template", "--out", str(database), "--force"], tmp_path, tmp_path
    )
    into_missing_folder = run(
        [app, "purchases", "export", "--format", "xlsx", "--out", "missing/ledger.xlsx"],
        tmp_path,
        tmp_path,
    )
    for refused in (onto_database, template_onto_database, into_missing_folder):
        assert refused.returncode == 1 and refused.stdout == ""
        assert len(refused.stderr.splitlines()) == 1, refused.stderr
        assert "Traceback" not in refused.stderr
    assert str(database) in onto_database.stderr
    assert "missing" in into_missing_folder.stderr
    assert database.read_bytes() == before
    again = run([app, "forces", "list"], tmp_path, tmp_path)
    assert again.returncode == 0 and "Norfolk Constabulary" in again.stdout


@pytest.mark.slow
def test_wheel_installs_into_a_new_venv_and_works_from_another_directory(tmp_path):
    dist = tmp_path / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = dist.glob("catalogue_app-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "catalogue_app/_data/db/migrations/env.py",
        "catalogue_app/_data/db/migrations/versions/0001_catalogue.py",
        "catalogue_app/_data/db/reference/forces.csv",
        "catalogue_app/_data/db/reference/cpv-2008-en.json",
        "catalogue_app/_data/resources/icons/app.svg",
        "catalogue_app/_data/resources/style.qss",
    ):
        assert required in names

    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(target)
    python = target / "bin" / "python"
    # Dependencies come from this test run's environment; the app itself only from the wheel.
    site = subprocess.check_output(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
    ).strip()
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run(
        [python, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    app = str(target / "bin" / "catalogue-app")
    version = run([app, "--version"], tmp_path, elsewhere)
    assert version.returncode == 0 and version.stdout.strip() == f"catalogue-app {__version__}"
    search = run([app, "products", "search", "athena", "--format", "json"], tmp_path, elsewhere)
    assert search.returncode == 0, search.stderr
    assert json.loads(search.stdout)[0]["code"] == "ATHENA"
    where = run(
        [str(python), "-c", "import catalogue_app, sys; print(catalogue_app.__file__)"],
        tmp_path,
        elsewhere,
    )
    assert where.stdout.strip().startswith(str(target))
