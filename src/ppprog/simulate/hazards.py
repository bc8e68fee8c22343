"""Baseline hazards: exponential, Weibull, Gompertz, piecewise-constant, user-supplied.

Each hazard gives its cumulative hazard ``H0(t)`` and inverse ``H0^{-1}(y)``
as vectorized numpy functions (time in months throughout ppprog.simulate).
``H0`` accepts ``inf``; ``H0^{-1}`` returns ``inf`` for targets beyond the
total cumulative hazard (a Gompertz with negative shape or a piecewise hazard
ending at rate 0 leave a fraction that never has the event).

Parametrisations (stated because packages differ):

* ``Exponential(rate)``: ``H0(t) = rate * t``.
* ``Weibull(shape, scale)``: ``H0(t) = (t / scale) ** shape`` (scipy's
  ``weibull_min(c=shape, scale=scale)``; R's ``rweibull(shape, scale)``;
  simsurv's ``lambdas`` is ``scale ** -shape``).
* ``Gompertz(shape, rate)``: ``h0(t) = rate * exp(shape * t)``, so
  ``H0(t) = rate / shape * (exp(shape * t) - 1)`` (simsurv's ``gammas`` is
  the shape, ``lambdas`` the rate).
* ``PiecewiseConstant(breaks, rates)``: rate ``rates[j]`` on
  ``[breaks[j-1], breaks[j])`` with ``breaks`` the interior cut points.
* ``UserHazard(cumhaz, inverse=None)``: any vectorized non-decreasing ``H0``
  with ``H0(0) = 0``; without ``inverse`` it is inverted by bisection.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ppprog._core.typing import FloatArray
from ppprog.simulate._invert import invert_monotone

__all__ = [
    "BaselineHazard",
    "Exponential",
    "Weibull",
    "Gompertz",
    "PiecewiseConstant",
    "UserHazard",
    "hazard_from_dict",
    "hazard_parameters",
]


class BaselineHazard:
    """Common interface of baseline hazards (time in months)."""

    kind: str = ""

    def cumhaz(self, t: FloatArray) -> FloatArray:
        """Cumulative hazard ``H0(t)``.

        Parameters
        ----------
        t : ndarray
            Times (>= 0, ``inf`` allowed).

        Returns
        -------
        ndarray
        """
        raise NotImplementedError

    def inverse(self, y: FloatArray) -> FloatArray:
        """Inverse cumulative hazard ``H0^{-1}(y)``; ``inf`` beyond ``H0(inf)``.

        Parameters
        ----------
        y : ndarray
            Cumulative-hazard values (>= 0).

        Returns
        -------
        ndarray
        """
        return invert_monotone(self.cumhaz, y)

    def hazard(self, t: FloatArray) -> FloatArray:
        """Hazard ``h0(t)`` (numerical derivative unless overridden).

        Parameters
        ----------
        t : ndarray
            Times.

        Returns
        -------
        ndarray
        """
        t = np.asarray(t, dtype=np.float64)
        eps = 1e-6 * np.maximum(t, 1.0)
        return (self.cumhaz(t + eps) - self.cumhaz(np.maximum(t - eps, 0.0))) / (
            t + eps - np.maximum(t - eps, 0.0)
        )

    def survival(self, t: FloatArray) -> FloatArray:
        """Baseline survival ``exp(-H0(t))``.

        Parameters
        ----------
        t : ndarray
            Times.

        Returns
        -------
        ndarray
        """
        return np.exp(-self.cumhaz(np.asarray(t, dtype=np.float64)))

    def problems(self) -> list[tuple[str, str]]:
        """Parameter problems as ``(field, message)`` pairs (empty when valid)."""
        return []

    def to_dict(self) -> dict[str, Any]:
        """Serializable form ``{"kind": ..., **params}``."""
        raise NotImplementedError


def _positive(name: str, value: float) -> list[tuple[str, str]]:
    ok = isinstance(value, (int, float)) and math.isfinite(value) and value > 0
    return [] if ok else [(name, f"must be a finite number > 0, got {value!r}")]


@dataclass(frozen=True)
class Exponential(BaselineHazard):
    """Constant hazard ``rate`` per month.

    Parameters
    ----------
    rate : float
        Events per month.
    """

    rate: float
    kind: str = field(default="exponential", init=False, repr=False)

    def cumhaz(self, t: FloatArray) -> FloatArray:  # noqa: D102
        return self.rate * np.asarray(t, dtype=np.float64)

    def inverse(self, y: FloatArray) -> FloatArray:  # noqa: D102
        return np.asarray(y, dtype=np.float64) / self.rate

    def hazard(self, t: FloatArray) -> FloatArray:  # noqa: D102
        return np.full_like(np.asarray(t, dtype=np.float64), self.rate)

    def problems(self) -> list[tuple[str, str]]:  # noqa: D102
        return _positive("rate", self.rate)

    def to_dict(self) -> dict[str, Any]:  # noqa: D102
        return {"kind": self.kind, "rate": self.rate}


@dataclass(frozen=True)
class Weibull(BaselineHazard):
    """Weibull hazard with ``H0(t) = (t / scale) ** shape``.

    Parameters
    ----------
    shape : float
        Shape ``k`` (< 1: decreasing hazard).
    scale : float
        Scale ``lambda`` in months.
    """

    shape: float
    scale: float
    kind: str = field(default="weibull", init=False, repr=False)

    def cumhaz(self, t: FloatArray) -> FloatArray:  # noqa: D102
        return (np.asarray(t, dtype=np.float64) / self.scale) ** self.shape

    def inverse(self, y: FloatArray) -> FloatArray:  # noqa: D102
        return self.scale * np.asarray(y, dtype=np.float64) ** (1.0 / self.shape)

    def hazard(self, t: FloatArray) -> FloatArray:  # noqa: D102
        t = np.asarray(t, dtype=np.float64)
        with np.errstate(divide="ignore"):
            return self.shape / self.scale * (t / self.scale) ** (self.shape - 1.0)

    def problems(self) -> list[tuple[str, str]]:  # noqa: D102
        return _positive("shape", self.shape) + _positive("scale", self.scale)

    def to_dict(self) -> dict[str, Any]:  # noqa: D102
        return {"kind": self.kind, "shape": self.shape, "scale": self.scale}


@dataclass(frozen=True)
class Gompertz(BaselineHazard):
    """Gompertz hazard ``rate * exp(shape * t)``.

    Parameters
    ----------
    shape : float
        Per-month growth of the log hazard (may be negative: then a fraction
        ``exp(rate / shape)`` never has the event).
    rate : float
        Hazard at time 0.
    """

    shape: float
    rate: float
    kind: str = field(default="gompertz", init=False, repr=False)

    def cumhaz(self, t: FloatArray) -> FloatArray:  # noqa: D102
        t = np.asarray(t, dtype=np.float64)
        if self.shape == 0.0:
            return self.rate * t
        with np.errstate(over="ignore"):
            return self.rate / self.shape * np.expm1(self.shape * t)

    def inverse(self, y: FloatArray) -> FloatArray:  # noqa: D102
        y = np.asarray(y, dtype=np.float64)
        if self.shape == 0.0:
            return y / self.rate
        arg = self.shape * y / self.rate
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.log1p(arg) / self.shape
        return np.where(arg > -1.0, t, np.inf)

    def hazard(self, t: FloatArray) -> FloatArray:  # noqa: D102
        return self.rate * np.exp(self.shape * np.asarray(t, dtype=np.float64))

    def problems(self) -> list[tuple[str, str]]:  # noqa: D102
        out = _positive("rate", self.rate)
        if not (isinstance(self.shape, (int, float)) and math.isfinite(self.shape)):
            out.append(("shape", f"must be a finite number, got {self.shape!r}"))
        return out

    def to_dict(self) -> dict[str, Any]:  # noqa: D102
        return {"kind": self.kind, "shape": self.shape, "rate": self.rate}


@dataclass(frozen=True)
class PiecewiseConstant(BaselineHazard):
    """Piecewise-constant hazard.

    Parameters
    ----------
    breaks : tuple of float
        Increasing interior cut points (months), length ``J - 1``.
    rates : tuple of float
        ``J`` rates (>= 0); ``rates[j]`` applies on ``[breaks[j-1], breaks[j])``.
        A final rate of 0 leaves a never-event fraction.
    """

    breaks: tuple[float, ...]
    rates: tuple[float, ...]
    kind: str = field(default="piecewise", init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "breaks", tuple(float(b) for b in self.breaks))
        object.__setattr__(self, "rates", tuple(float(r) for r in self.rates))

    def _tables(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        edges = np.concatenate([[0.0], np.asarray(self.breaks, dtype=np.float64)])
        rates = np.asarray(self.rates, dtype=np.float64)
        widths = np.diff(np.concatenate([edges, [np.inf]]))[:-1]
        cum = np.concatenate([[0.0], np.cumsum(rates[:-1] * widths)])
        return edges, rates, cum

    def cumhaz(self, t: FloatArray) -> FloatArray:  # noqa: D102
        t = np.asarray(t, dtype=np.float64)
        edges, rates, cum = self._tables()
        j = np.searchsorted(edges, t, side="right") - 1
        j = np.clip(j, 0, len(rates) - 1)
        with np.errstate(invalid="ignore"):
            out = cum[j] + rates[j] * (t - edges[j])
        return np.where(rates[j] == 0.0, cum[j], out)

    def inverse(self, y: FloatArray) -> FloatArray:  # noqa: D102
        y = np.asarray(y, dtype=np.float64)
        edges, rates, cum = self._tables()
        j = np.searchsorted(cum, y, side="left") - 1
        j = np.clip(j, 0, len(rates) - 1)
        # a zero-rate segment never reaches beyond its start value; skip to the next
        with np.errstate(divide="ignore", invalid="ignore"):
            t = edges[j] + (y - cum[j]) / rates[j]
        last_zero = rates[-1] == 0.0
        beyond = y > cum[-1] if last_zero else np.zeros(y.shape, dtype=bool)
        t = np.where(y <= 0.0, 0.0, t)
        return np.where(beyond | ~np.isfinite(y), np.inf, t)

    def hazard(self, t: FloatArray) -> FloatArray:  # noqa: D102
        edges, rates, _ = self._tables()
        j = np.searchsorted(edges, np.asarray(t, dtype=np.float64), side="right") - 1
        return rates[np.clip(j, 0, len(rates) - 1)]

    def problems(self) -> list[tuple[str, str]]:  # noqa: D102
        out: list[tuple[str, str]] = []
        b, r = self.breaks, self.rates
        if len(r) != len(b) + 1:
            out.append(("rates", f"needs len(breaks) + 1 = {len(b) + 1} rates, got {len(r)}"))
        if any(not math.isfinite(x) or x <= 0 for x in b) or any(
            b2 <= b1 for b1, b2 in zip(b, b[1:])
        ):
            out.append(("breaks", f"must be finite, > 0 and strictly increasing, got {b!r}"))
        if any(not math.isfinite(x) or x < 0 for x in r):
            out.append(("rates", f"must be finite and >= 0, got {r!r}"))
        return out

    def to_dict(self) -> dict[str, Any]:  # noqa: D102
        return {"kind": self.kind, "breaks": list(self.breaks), "rates": list(self.rates)}


@dataclass(frozen=True)
class UserHazard(BaselineHazard):
    """User-supplied cumulative hazard (Python only; not serializable to files).

    Parameters
    ----------
    H : callable
        Vectorized, non-decreasing ``H0(t)`` with ``H0(0) = 0``; must accept ``inf``.
    H_inverse : callable, optional
        Vectorized inverse; when omitted, bisection (:func:`invert_monotone`) is used.
    name : str, optional
        Label shown in summaries.
    """

    H: Callable[[FloatArray], FloatArray]
    H_inverse: Callable[[FloatArray], FloatArray] | None = None
    name: str = "user"
    kind: str = field(default="user", init=False, repr=False)

    def cumhaz(self, t: FloatArray) -> FloatArray:  # noqa: D102
        return np.asarray(self.H(np.asarray(t, dtype=np.float64)), dtype=np.float64)

    def inverse(self, y: FloatArray) -> FloatArray:  # noqa: D102
        if self.H_inverse is None:
            return invert_monotone(self.cumhaz, y)
        return np.asarray(self.H_inverse(np.asarray(y, dtype=np.float64)), dtype=np.float64)

    def problems(self) -> list[tuple[str, str]]:  # noqa: D102
        out: list[tuple[str, str]] = []
        try:
            probe = self.cumhaz(np.array([0.0, 1.0, 10.0, 100.0]))
        except Exception as exc:  # noqa: BLE001 - any failure of user code is a spec problem
            return [("H", f"calling H failed: {exc!r}")]
        if probe.shape != (4,) or abs(probe[0]) > 1e-12 or np.any(np.diff(probe) < 0):
            out.append(("H", "must be vectorized, non-decreasing and 0 at t = 0"))
        return out

    def to_dict(self) -> dict[str, Any]:  # noqa: D102
        raise TypeError("a UserHazard (Python callables) cannot be written to TOML/YAML/JSON")


_KINDS: dict[str, tuple[type[BaselineHazard], tuple[str, ...]]] = {
    "exponential": (Exponential, ("rate",)),
    "weibull": (Weibull, ("shape", "scale")),
    "gompertz": (Gompertz, ("shape", "rate")),
    "piecewise": (PiecewiseConstant, ("breaks", "rates")),
}


def hazard_parameters() -> dict[str, tuple[str, ...]]:
    """The parameter names of each hazard kind that can be written to a file.

    Returns
    -------
    dict of str to tuple of str
        ``{"weibull": ("shape", "scale"), ...}``.
    """
    return {kind: names for kind, (_, names) in _KINDS.items()}


def hazard_from_dict(d: Mapping[str, Any]) -> BaselineHazard:
    """Build a baseline hazard from ``{"kind": ..., **params}``.

    Parameters
    ----------
    d : mapping
        As written by :meth:`BaselineHazard.to_dict`.

    Returns
    -------
    BaselineHazard

    Raises
    ------
    ValueError
        Unknown kind, or missing/unexpected parameters (message names them).
    """
    kind = d.get("kind")
    if kind not in _KINDS:
        raise ValueError(f"unknown hazard kind {kind!r}; expected one of {sorted(_KINDS)}")
    cls, names = _KINDS[kind]
    extra = sorted(set(d) - set(names) - {"kind"})
    missing = [n for n in names if n not in d]
    if extra or missing:
        raise ValueError(
            f"{kind} hazard needs {list(names)}; missing {missing}, unexpected {extra}"
        )
    return cls(**{n: d[n] for n in names})
