"""Tail probabilities of the normal and chi-square distributions for results' p-values.

From ``scipy.special`` (``chdtrc``, ``ndtr``), the kernels ``scipy.stats``
calls, because importing ``scipy.stats`` costs about a second at start-up
(every study worker and CLI call would pay it); values are bit for bit those
of ``scipy.stats.chi2.sf`` and ``2 * scipy.stats.norm.sf(|z|)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

__all__ = ["chi2_sf", "normal_two_sided"]


def chi2_sf(stat: Any, df: Any) -> Any:
    """Upper tail ``P(X >= stat)`` of a chi-square with ``df`` degrees of freedom.

    Parameters
    ----------
    stat : float or ndarray
        Statistics; negative values (rounding of a zero statistic) count as 0,
        as ``scipy.stats.chi2.sf`` does; NaN stays NaN.
    df : float or ndarray
        Degrees of freedom (broadcast against ``stat``).

    Returns
    -------
    float or ndarray
    """
    return special.chdtrc(df, np.maximum(stat, 0.0))


def normal_two_sided(z: Any) -> Any:
    """Two-sided normal p-value ``2 P(Z >= |z|)``.

    Parameters
    ----------
    z : float or ndarray
        Standardized statistics.

    Returns
    -------
    float or ndarray
    """
    return 2.0 * special.ndtr(-np.abs(z))
