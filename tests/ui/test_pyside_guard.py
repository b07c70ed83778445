"""Guards against a PySide6 build that aborts after a few thousand void Qt calls.

PySide6 6.12.0 on CPython 3.11 drops a reference to None on every Qt method
returning void; the process dies with "Fatal Python error: none_dealloc".
"""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

VOID_CALLS = 200_000


def test_two_hundred_thousand_void_qt_calls_exit_cleanly():
    script = (
        "from PySide6.QtWidgets import QApplication, QLabel\n"
        "app = QApplication([])\n"
        "label = QLabel()\n"
        f"for _ in range({VOID_CALLS}):\n"
        "    label.setText('x')\n"
        "print('done')\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "done"
    assert "none_dealloc" not in result.stderr


def _pyside_requirements():
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    deps = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    return [Requirement(d) for d in deps if Requirement(d).name.lower() == "pyside6"]


def _allowed(version: str, python: str) -> bool:
    env = {"python_version": python, "python_full_version": python + ".0"}
    return any(
        (req.marker is None or req.marker.evaluate(env))
        and req.specifier.contains(Version(version))
        for req in _pyside_requirements()
    )


def test_no_supported_python_can_install_the_crashing_build():
    assert not _allowed("6.12.0", "3.11")
    assert _allowed("6.11.3", "3.11")
    assert _allowed("6.12.0", "3.12") and _allowed("6.12.0", "3.13")
