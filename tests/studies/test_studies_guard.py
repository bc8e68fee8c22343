"""backend="processes" from a script without the __main__ guard fails early and clearly."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ppprog.studies.guard import guarded_lines

STUDY = """
import ppprog
study = ppprog.Study(
    name="guard",
    generator="resolution",
    methods=[ppprog.Method("log-rank", "logrank", {"covariate": "extent[generalized]"})],
    estimands=[ppprog.Estimand("extent[generalized]")],
    replicates=4,
    seed=1,
    base={"n": 40},
)
"""


def _run(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "my_study.py"
    script.write_text(textwrap.dedent(STUDY) + textwrap.dedent(body))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300
    )


def test_guarded_lines_finds_main_blocks() -> None:
    src = "x = 1\nif __name__ == '__main__':\n    a()\n    b()\nif '__main__' == __name__:\n    c()\n"
    assert guarded_lines(src) == [(3, 4), (6, 6)]
    assert guarded_lines("if __name__ != '__main__':\n    a()\n") == []
    assert guarded_lines("def f():\n    if __name__ == '__main__':\n        a()\n") == []


def test_unguarded_script_gets_a_clear_error_before_any_worker(tmp_path: Path) -> None:
    out = _run(tmp_path, 'ppprog.run_study(study, backend="processes", workers=2, progress=False)\n')
    assert out.returncode != 0
    assert "my_study.py:" in out.stderr
    assert 'if __name__ == "__main__":' in out.stderr
    assert "bootstrapping phase" not in out.stderr
    assert "BrokenProcessPool" not in out.stderr


@pytest.mark.slow
def test_guarded_script_runs_on_processes(tmp_path: Path) -> None:
    body = """
    if __name__ == "__main__":
        res = ppprog.run_study(study, backend="processes", workers=2, progress=False)
        print("rows", len(res.replicates))
    """
    out = _run(tmp_path, body)
    assert out.returncode == 0, out.stderr
    assert "rows 4" in out.stdout
