"""`import ppprog` and `ppprog --help` load no numerics (names are imported on first use)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("pandas", "scipy", "numba", "matplotlib", "dask", "distributed", "lifelines",
         "statsmodels", "pyarrow", "formulaic", "openpyxl")  # fmt: skip


def _modules(code: str, prefix: str = "") -> list[str]:
    """Modules whose name starts with ``prefix`` loaded after running ``code`` in a fresh process."""
    probe = code + (
        "\nimport sys, json\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({prefix!r}))))"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env=env, timeout=300, check=True)  # fmt: skip
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


def _loaded(code: str) -> list[str]:
    """The HEAVY packages loaded after running ``code`` in a fresh process."""
    return sorted({m.split(".")[0] for m in _modules(code)} & set(HEAVY))


def test_import_ppprog_loads_no_heavy_module() -> None:
    assert _loaded("import ppprog") == []


def test_cli_help_loads_no_heavy_module() -> None:
    code = (
        "import contextlib, io\n"
        "from ppprog.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--help'])\n"
        "    main(['fit', '--help'])\n"
    )
    assert _loaded(code) == []


def test_first_use_imports_the_name() -> None:
    assert "pandas" in _loaded("import ppprog\nppprog.cox_ph")


@pytest.mark.parametrize("name", ["cox_ph", "datasets", "CohortSpec", "kaplan_meier"])
def test_lazy_names_are_the_real_objects(name: str) -> None:
    import importlib

    import ppprog

    value = getattr(ppprog, name)
    if name == "datasets":
        assert value is importlib.import_module("ppprog.datasets")
    else:
        assert value.__module__.startswith("ppprog.")
    assert name in dir(ppprog)


def test_unknown_name_is_an_attribute_error() -> None:
    import ppprog

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ppprog.nope  # noqa: B018



def test_a_cox_study_never_imports_scipy_stats() -> None:
    """Study workers pay every import: a Cox study (import, run, summary) loads no scipy.stats,
    and ``ppprog.models`` imports an estimator's module only when its name is used."""
    code = (
        "from ppprog.studies import Estimand, Method, Study, run\n"
        "import sys\n"
        "assert 'ppprog.models.aft_interval' not in sys.modules\n"
        "covs = ['ana_high']\n"
        "st = Study(name='s', generator='resolution', methods=(Method('cox', 'cox_baseline',\n"
        "           {'covariates': covs}),), estimands=(Estimand('ana_high'),), replicates=4,\n"
        "           seed=1, base={'n': 60})\n"
        "res = run(st, backend='serial', progress=False)\n"
        "res.performance()\n"
    )
    assert _modules(code, "scipy.stats") == []
    assert "ppprog.models.cure" not in _modules(code, "ppprog.models")


def test_models_names_load_on_first_use() -> None:
    import ppprog.models

    assert ppprog.models.cure_model.__module__ == "ppprog.models.cure"
    assert "cox_ph_batch" in dir(ppprog.models)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ppprog.models.nope  # noqa: B018
