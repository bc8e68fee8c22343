"""Bit-identity of the real engine (numba Cox, Firth, log-rank) across backends and chunkings.

The toy-generator tests in ``test_studies_execute.py`` show the runner keeps
streams and order; this module shows the same for ppprog's own cohort generator
and batched fits: a time-varying Cox model on counting-process rows, a
time-varying Firth model and the batched log-rank test, on two scenarios. The
per-replicate tables must agree bit for bit whether the chunks run serially, on
two spawned processes or on a two-worker Dask ``LocalCluster``, and whatever the
chunk size (so padding of the counting-process arrays, which depends on the
chunk, cannot leak into the estimates).
"""

from __future__ import annotations

import distributed
import numpy as np
import pandas as pd
import pytest

from ppprog.studies import Estimand, Method, Study, run

COVS = ["ana_high", "strategy[stop]"]
FLOATS = ("estimate", "se", "lower", "upper", "p", "n_events", "truth")


def _study() -> Study:
    return Study(
        name="engine-bits",
        generator="resolution",
        methods=[
            Method("tvc", "cox_tvc", {"covariates": COVS}),
            Method("firth", "cox_firth", {"covariates": COVS, "time_varying": True}),
            Method("lr", "logrank", {"covariate": "ana_high"}),
        ],
        estimands=[Estimand(c) for c in COVS],
        replicates=20,
        seed=20261204,
        base={"n": 50},
        grid={"resolution.log_hr.ana_high": [0.0, 0.7]},
    )


def _assert_bits(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    for c in FLOATS:
        x = a[c].to_numpy(dtype=np.float64)
        y = b[c].to_numpy(dtype=np.float64)
        assert x.tobytes() == y.tobytes(), f"column {c!r} differs in its bits"


@pytest.fixture(scope="module")
def serial() -> pd.DataFrame:
    """One chunk per scenario, run in this process: the reference."""
    return run(_study(), progress=False, chunk_size=20).replicates


@pytest.mark.slow
def test_reference_run_is_a_real_fit(serial: pd.DataFrame) -> None:
    # 2 scenarios x 20 replicates x (2 + 2 + 1) estimates, all fitted
    assert len(serial) == 2 * 20 * 5
    assert set(serial["method"]) == {"tvc", "firth", "lr"}
    assert (serial["status"] == "converged").mean() > 0.9
    assert np.isfinite(serial["estimate"]).mean() > 0.9
    # the estimates vary between replicates (a constant would pass bit-identity trivially)
    assert serial.groupby(["method", "estimand"])["estimate"].nunique().min() >= 15


@pytest.mark.slow
def test_chunk_size_does_not_change_the_bits(serial: pd.DataFrame) -> None:
    _assert_bits(serial, run(_study(), progress=False, chunk_size=3).replicates)


@pytest.mark.slow
def test_two_processes_give_the_same_bits(serial: pd.DataFrame) -> None:
    res = run(_study(), backend="processes", workers=2, chunk_size=6, progress=False)
    assert res.manifest["runs"][-1]["workers"] == 2
    _assert_bits(serial, res.replicates)


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_bits(serial: pd.DataFrame) -> None:
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        res = run(_study(), backend=client, chunk_size=7, progress=False)
    assert res.manifest["runs"][-1]["backend"] == "dask"
    _assert_bits(serial, res.replicates)
