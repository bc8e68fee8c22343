"""p-value helpers equal scipy.stats bit for bit (scipy.stats is the oracle here)."""

from __future__ import annotations

import numpy as np
from scipy import stats

from ppprog._core.pvalues import chi2_sf, normal_two_sided


def test_chi2_sf_equals_scipy_stats_including_negative_and_nan_statistics():
    rng = np.random.default_rng(5)
    stat = np.concatenate([rng.chisquare(3, 2000), [0.0, -1e-12, -3.0, np.nan, np.inf, 1e4]])
    for df in (1, 2, 3, 7.5):
        got = chi2_sf(stat, df)
        want = stats.chi2.sf(stat, df)
        np.testing.assert_array_equal(got, want)
    assert float(chi2_sf(2.5, 1)) == float(stats.chi2.sf(2.5, 1))
    np.testing.assert_array_equal(chi2_sf(np.array([1.0, 2.0]), np.array([1, 4])),
                                  stats.chi2.sf([1.0, 2.0], [1, 4]))


def test_normal_two_sided_equals_scipy_stats():
    rng = np.random.default_rng(6)
    z = np.concatenate([rng.normal(0, 3, 2000), [0.0, -0.0, np.nan, np.inf, -np.inf, 40.0]])
    np.testing.assert_array_equal(normal_two_sided(z), 2 * stats.norm.sf(np.abs(z)))
