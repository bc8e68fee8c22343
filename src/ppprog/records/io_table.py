"""Tidy tables of cases for registry-size data (CSV or Parquet), lossless.

Layout
------
A folder holds five long tables, each ``<name>.csv`` or ``<name>.parquet``:

``cases``
    one row per case: ``case_id``, ``source_*``, ``patient_*``,
    ``inducing_agent``, ``index_date`` (ISO), ``onset_*`` (no onset when
    ``onset_day`` is empty), ``last_follow_up_*``, ``follow_up_status``,
    ``notes``.
``ana``, ``labs``, ``treatments``, ``outcomes``
    one row per item: ``case_id``, ``seq`` (order within the case), then the
    fields of :class:`~ppprog.records.case.AnaMeasurement`,
    :class:`~ppprog.records.case.LabValue`,
    :class:`~ppprog.records.case.TreatmentEpisode` or
    :class:`~ppprog.records.case.Outcome`.

A time field ``X`` is spread over ``X_day``, ``X_low``, ``X_high``,
``X_approximate``, ``X_quote``, ``X_quote_where``; a quote over ``quote`` and
``quote_where``; a titer over ``titer_status``, ``titer_reciprocal``,
``titer_qualifier``, ``titer_detection_limit``, ``titer_text``. Lists
(morphology, sites, prior therapies) are JSON arrays. Enum members are
written as their tokens. Floats are written with full precision
(``repr``), so CSV round trips are exact; Parquet columns are typed (float64,
int64, bool, string). The one convention: an empty CSV cell is a missing
value, so empty text is read as missing.

Reading collects every conversion problem (bad numbers, rows naming unknown
cases) and every validation problem, and raises one
:class:`~ppprog._core.errors.ValidationError`; no row is dropped.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ppprog._core.errors import Problem, ProblemReport
from ppprog.records.case import (
    AnaMeasurement,
    Case,
    LabValue,
    Onset,
    Outcome,
    Patient,
    TreatmentEpisode,
)
from ppprog.records.quantities import Quote, Source, TimeValue, Titer
from ppprog.records.validate import validate

__all__ = ["cases_to_rows", "rows_to_cases", "write_table_dir", "read_table_dir", "TABLES"]

Spec = dict[str, str]
_CASE: Spec = {"case_id": "str"}
_SOURCE: Spec = {"kind": "str", "citation": "str", "doi": "str", "pmid": "str",
                 "case_label": "str", "seed": "int", "replicate": "int"}  # fmt: skip
_PATIENT: Spec = {"sex": "enum", "age": "float", "disease": "enum", "disease_detail": "str",
                  "prior_psoriasis": "bool", "family_history_psoriasis": "bool",
                  "smoking": "enum", "prior_therapies": "list", "notes": "str"}  # fmt: skip
_ONSET: Spec = {"day": "time", "morphology": "list", "pustular_extent": "enum", "sites": "list",
                "quote": "quote"}  # fmt: skip
_CASE_TAIL: Spec = {"inducing_agent": "enum", "index_date": "date", "last_follow_up": "time",
                    "follow_up_status": "str", "notes": "str"}  # fmt: skip
_ITEMS: dict[str, tuple[type, Spec]] = {
    "ana": (AnaMeasurement, {"day": "time", "titer": "titer", "label": "str", "ladder": "str",
                             "quote": "quote"}),
    "labs": (LabValue, {"name": "str", "day": "time", "value": "float", "qualifier": "str",
                        "unit": "str", "text": "str", "reference_range": "str", "label": "str",
                        "quote": "quote"}),
    "treatments": (TreatmentEpisode, {"agent": "enum", "start": "time", "stop": "time",
                                      "stop_reason": "enum", "drug_class": "enum",
                                      "agent_detail": "str", "dose": "str", "schedule": "str",
                                      "route": "str", "quote": "quote", "notes": "str"}),
    "outcomes": (Outcome, {"endpoint": "enum", "day": "time", "quote": "quote", "notes": "str"}),
}  # fmt: skip
#: Names of the tables in a case folder.
TABLES = ("cases", "ana", "labs", "treatments", "outcomes")
_TIME_PARTS = {"day": "float", "low": "float", "high": "float", "approximate": "bool",
               "quote": "str", "quote_where": "str"}  # fmt: skip
_TITER_PARTS = {"status": "str", "reciprocal": "float", "qualifier": "str",
                "detection_limit": "float", "text": "str"}  # fmt: skip


# -- flattening ------------------------------------------------------------------------------


def _flat(obj: Any, spec: Spec, prefix: str, row: dict[str, Any]) -> None:
    for name, kind in spec.items():
        v = None if obj is None else getattr(obj, name)
        col = prefix + name
        if kind == "time":
            tv = v if isinstance(v, TimeValue) else None
            row[f"{col}_day"] = tv.day if tv else None
            row[f"{col}_low"] = tv.low if tv else None
            row[f"{col}_high"] = tv.high if tv else None
            row[f"{col}_approximate"] = tv.approximate if tv else None
            row[f"{col}_quote"] = tv.quote.text if tv and tv.quote else None
            row[f"{col}_quote_where"] = tv.quote.where if tv and tv.quote else None
        elif kind == "quote":
            row[col] = v.text if v is not None else None
            row[f"{col}_where"] = v.where if v is not None else None
        elif kind == "titer":
            for part in _TITER_PARTS:
                row[f"{col}_{part}"] = getattr(v, part) if v is not None else None
        elif kind == "enum":
            row[col] = getattr(v, "value", v)
        elif kind == "list":
            row[col] = None if v is None else json.dumps([getattr(x, "value", x) for x in v])
        elif kind == "date":
            row[col] = v.isoformat() if v is not None else None
        else:
            row[col] = v


_COLUMN_CACHE: dict[tuple[int, str], dict[str, str]] = {}


def _columns(spec: Spec, prefix: str) -> dict[str, str]:
    """Column name -> storage kind (float, int, bool, str); cached per (spec, prefix)."""
    key = (id(spec), prefix)
    if key not in _COLUMN_CACHE:
        _COLUMN_CACHE[key] = _columns_of(spec, prefix)
    return _COLUMN_CACHE[key]


def _columns_of(spec: Spec, prefix: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, kind in spec.items():
        col = prefix + name
        if kind == "time":
            out.update({f"{col}_{p}": k for p, k in _TIME_PARTS.items()})
        elif kind == "quote":
            out.update({col: "str", f"{col}_where": "str"})
        elif kind == "titer":
            out.update({f"{col}_{p}": k for p, k in _TITER_PARTS.items()})
        else:
            out[col] = kind if kind in ("float", "int", "bool") else "str"
    return out


def _case_specs() -> list[tuple[Spec, str, str | None]]:
    return [(_CASE, "", None), (_SOURCE, "source_", "source"), (_PATIENT, "patient_", "patient"),
            (_ONSET, "onset_", "onset"), (_CASE_TAIL, "", None)]  # fmt: skip


def table_columns() -> dict[str, dict[str, str]]:
    """Return, for each table, its columns and their storage kinds."""
    cols = {"cases": {k: v for s, p, _ in _case_specs() for k, v in _columns(s, p).items()}}
    for name, (_, spec) in _ITEMS.items():
        cols[name] = {"case_id": "str", "seq": "int", **_columns(spec, "")}
    return cols


def cases_to_rows(cases: Iterable[Case]) -> dict[str, list[dict[str, Any]]]:
    """Flatten cases into the rows of the five tables.

    Parameters
    ----------
    cases : iterable of Case

    Returns
    -------
    dict of str to list of dict
        Rows per table name in :data:`TABLES`.
    """
    out: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    for c in cases:
        row: dict[str, Any] = {}
        for spec, prefix, attr in _case_specs():
            _flat(c if attr is None else getattr(c, attr), spec, prefix, row)
        out["cases"].append(row)
        for name, (_, spec) in _ITEMS.items():
            for seq, item in enumerate(getattr(c, name)):
                r: dict[str, Any] = {"case_id": c.case_id, "seq": seq}
                _flat(item, spec, "", r)
                out[name].append(r)
    return out


# -- unflattening ----------------------------------------------------------------------------


class _Bad(ValueError):
    pass


def _scalar(v: Any, kind: str) -> Any:
    """Convert a cell (text from CSV or typed from Parquet) to a Python value."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or v == "":
        return None
    if kind == "float":
        try:
            return float(v)
        except (TypeError, ValueError):
            raise _Bad(f"expected a number, got {v!r}") from None
    if kind == "int":
        if isinstance(v, str) and v.strip().lstrip("-").isdigit():
            return int(v)
        if isinstance(v, int) and not isinstance(v, bool):
            return v
        raise _Bad(f"expected an integer, got {v!r}")
    if kind == "bool":
        if isinstance(v, bool):
            return v
        if str(v).lower() in ("true", "false"):
            return str(v).lower() == "true"
        raise _Bad(f"expected True or False, got {v!r}")
    return v if isinstance(v, str) else str(v)


def _unflat(
    row: dict[str, Any], spec: Spec, prefix: str, bad: list[tuple[str, str]]
) -> dict[str, Any]:  # noqa: E501
    cells: dict[str, Any] = {}
    for col, kind in _columns(spec, prefix).items():
        try:
            cells[col] = _scalar(row.get(col), kind)
        except _Bad as exc:
            bad.append((col, str(exc)))
            cells[col] = None
    kw: dict[str, Any] = {}
    for name, kind in spec.items():
        col = prefix + name
        if kind == "time":
            kw[name] = _time(cells, col)
        elif kind == "quote":
            kw[name] = None if cells[col] is None else Quote(cells[col], cells[f"{col}_where"])
        elif kind == "titer":
            parts = {p: cells[f"{col}_{p}"] for p in _TITER_PARTS}
            kw[name] = None if parts["status"] is None else Titer(**parts)
        elif kind == "list":
            try:
                kw[name] = () if cells[col] is None else tuple(json.loads(cells[col]))
            except (ValueError, TypeError):
                bad.append((col, f"expected a JSON list, got {cells[col]!r}"))
        elif kind == "date":
            try:
                kw[name] = None if cells[col] is None else _dt.date.fromisoformat(cells[col])
            except ValueError:
                bad.append((col, f"expected an ISO date, got {cells[col]!r}"))
        else:
            kw[name] = cells[col]
    return kw


def _time(cells: dict[str, Any], col: str) -> TimeValue | None:
    day = cells[f"{col}_day"]
    if day is None:
        return None
    q = cells[f"{col}_quote"]
    return TimeValue(
        day,
        cells[f"{col}_low"],
        cells[f"{col}_high"],
        bool(cells[f"{col}_approximate"]),
        None if q is None else Quote(q, cells[f"{col}_quote_where"]),
    )


def _build_case(
    row: dict[str, Any], items: dict[str, tuple[Any, ...]], bad: list[tuple[str, str]]
) -> Case:  # noqa: E501
    parts = {attr: _unflat(row, spec, prefix, bad) for spec, prefix, attr in _case_specs() if attr}
    head = _unflat(row, _CASE, "", bad)
    tail = _unflat(row, _CASE_TAIL, "", bad)
    onset = parts["onset"]
    return Case(
        case_id=head["case_id"],
        source=Source(**{k: v for k, v in parts["source"].items() if v is not None}),
        patient=Patient(**parts["patient"]),
        onset=None if onset["day"] is None else Onset(**onset),
        **tail,
        **items,
    )


def rows_to_cases(rows: dict[str, list[dict[str, Any]]], *, file: str | None = None) -> list[Case]:
    """Rebuild cases from table rows, collecting every problem.

    Parameters
    ----------
    rows : dict of str to list of dict
        Rows per table (missing tables are empty).
    file : str, optional
        Folder name put on problems; the table and row are in the field.

    Returns
    -------
    list of Case
        In the order of the ``cases`` table.

    Raises
    ------
    ValidationError
        Listing every conversion and validation problem.
    """
    report = ProblemReport()
    ids = {r.get("case_id") for r in rows.get("cases", [])}
    children: dict[str, dict[Any, list[tuple[int, Any]]]] = {n: {} for n in _ITEMS}
    for name, (cls, spec) in _ITEMS.items():
        for i, r in enumerate(rows.get(name, [])):
            bad: list[tuple[str, str]] = []
            cid = r.get("case_id")
            try:
                seq = _scalar(r.get("seq"), "int")
            except _Bad as exc:
                bad.append(("seq", str(exc)))
                seq = None
            kw = _unflat(r, spec, "", bad)
            for col, msg in bad:
                report.add(f"{name}[row {i + 1}].{col}", msg, file=file, case_id=cid)
            if cid not in ids:
                report.add(
                    f"{name}[row {i + 1}].case_id",
                    "no such case in the cases table",
                    file=file,
                    case_id=cid,
                )  # noqa: E501
                continue
            if not bad:
                children[name].setdefault(cid, []).append((i if seq is None else seq, cls(**kw)))
    cases = []
    for i, r in enumerate(rows.get("cases", [])):
        cid = r.get("case_id")
        items = {
            n: tuple(x for _, x in sorted(children[n].get(cid, []), key=lambda t: t[0]))
            for n in _ITEMS
        }  # noqa: E501
        bad = []
        cases.append(_build_case(r, items, bad))
        report.extend(Problem(file, cid, f"cases[row {i + 1}].{col}", msg) for col, msg in bad)
    report.extend(validate(cases, file=file))
    report.raise_if_any()
    return cases


# -- files -----------------------------------------------------------------------------------


def write_table_dir(cases: Iterable[Case], path: str | Path, *, format: str = "csv") -> None:
    """Write cases as five tables in folder ``path``.

    Parameters
    ----------
    cases : iterable of Case
    path : str or pathlib.Path
        Folder (created if needed).
    format : {"csv", "parquet"}, optional
    """
    import pandas as pd

    if format not in ("csv", "parquet"):
        raise ValueError(f"format must be 'csv' or 'parquet', got {format!r}")
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    rows = cases_to_rows(cases)
    for name, cols in table_columns().items():
        data = {c: [r.get(c) for r in rows[name]] for c in cols}
        if format == "csv":
            frame = pd.DataFrame(
                {c: pd.Series([_csv_cell(x) for x in v], dtype=object) for c, v in data.items()}
            )  # noqa: E501
            frame.to_csv(folder / f"{name}.csv", index=False)
        else:
            _write_parquet(data, cols, folder / f"{name}.parquet")


def _csv_cell(x: Any) -> Any:
    return repr(x) if isinstance(x, float) else x


def _write_parquet(data: dict[str, list[Any]], cols: dict[str, str], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"float": pa.float64(), "int": pa.int64(), "bool": pa.bool_(), "str": pa.string()}
    schema = pa.schema([(c, types[k]) for c, k in cols.items()])
    pq.write_table(pa.table(data, schema=schema), path)


def read_table_dir(path: str | Path) -> list[Case]:
    """Read a case folder written by :func:`write_table_dir` (CSV or Parquet).

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    list of Case

    Raises
    ------
    ValidationError
        Listing every problem with the table and row.
    FileNotFoundError
        If the folder has no ``cases`` table.
    """
    import pandas as pd

    folder = Path(path)
    rows: dict[str, list[dict[str, Any]]] = {}
    for name in TABLES:
        csv, pqt = folder / f"{name}.csv", folder / f"{name}.parquet"
        if csv.exists():
            frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
            rows[name] = frame.to_dict("records")
        elif pqt.exists():
            import pyarrow.parquet as pq

            d = pq.read_table(pqt).to_pydict()
            n = len(next(iter(d.values()), []))
            rows[name] = [{c: d[c][i] for c in d} for i in range(n)]
        elif name == "cases":
            raise FileNotFoundError(f"no cases.csv or cases.parquet in {folder}")
    return rows_to_cases(rows, file=str(folder))
