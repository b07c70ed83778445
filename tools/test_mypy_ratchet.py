import json

import pytest
from mypy_ratchet import compare, count_errors, main

TWO_ERRORS = "count: int = 'one'\nname: str = 2\n"
ONE_ERROR = "count: int = 1\nname: str = 2\n"


def test_counts_only_errors_per_file():
    lines = [
        json.dumps({"file": "a.py", "line": 1, "severity": "error", "message": "x"}),
        json.dumps({"file": "a.py", "line": 1, "severity": "note", "message": "hint"}),
        json.dumps({"file": "a.py", "line": 2, "severity": "error", "message": "y"}),
        json.dumps({"file": "b.py", "line": 9, "severity": "error", "message": "z"}),
        "Found 3 errors in 2 files",
    ]
    assert count_errors(lines) == {"a.py": 2, "b.py": 1}


def test_a_rise_or_a_new_file_is_worse_and_a_fall_or_a_fixed_file_is_better():
    result = compare({"a.py": 3, "b.py": 1, "gone.py": 2}, {"a.py": 4, "b.py": 0, "new.py": 1})
    assert result.worse == {"a.py": (3, 4), "new.py": (0, 1)}
    assert result.better == {"b.py": (1, 0), "gone.py": (2, 0)}


@pytest.fixture
def project(tmp_path):
    module = tmp_path / "sample.py"
    baseline = tmp_path / "baseline.json"
    # A cache of its own: mypy's shared cache would answer for another test's sample.py.
    cache = ["--cache-dir", str(tmp_path / "mypy-cache")]
    return module, baseline, ["--baseline", str(baseline), "--", *cache, str(module)]


def test_the_ratchet_refuses_new_errors_and_only_lowers_its_baseline(project, capsys):
    module, baseline, args = project
    module.write_text(TWO_ERRORS)

    assert main(args) == 1
    out = capsys.readouterr().out
    assert "sample.py: 2 errors, the baseline allows 0" in out
    assert "Incompatible types in assignment" in out

    assert main(["--update", *args]) == 1
    assert "Baseline not updated" in capsys.readouterr().out
    assert not baseline.exists()

    assert main(["--update", "--force", *args]) == 0
    assert json.loads(baseline.read_text()) == {module.as_posix(): 2}
    assert main(args) == 0
    capsys.readouterr()

    module.write_text(ONE_ERROR)
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "2 -> 1 mypy errors" in out
    assert "--update" in out
    assert json.loads(baseline.read_text()) == {module.as_posix(): 2}

    assert main(["--update", *args]) == 0
    assert json.loads(baseline.read_text()) == {module.as_posix(): 1}
    module.write_text(TWO_ERRORS)
    assert main(args) == 1


def test_force_is_refused_without_update(project):
    _, _, args = project
    with pytest.raises(SystemExit) as exit_:
        main(["--force", *args])
    assert exit_.value.code == 2
