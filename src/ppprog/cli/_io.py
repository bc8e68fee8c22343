"""Small helpers shared by the subcommands: writing frames, reading inputs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported when a table is read or written, not for --help
    import pandas as pd

from ppprog._core.errors import PpprogError

__all__ = ["write_frame", "read_frame", "print_json"]


def write_frame(df: pd.DataFrame, out: str | None, *, index: bool = False) -> None:
    """Write ``df`` to ``out`` (by suffix: .csv, .parquet, .json) or CSV on stdout.

    Parameters
    ----------
    df : pandas.DataFrame
    out : str or None
        Output path; None or ``"-"`` writes CSV to stdout.
    index : bool, optional
        Write the index too.
    """
    if out in (None, "-"):
        df.to_csv(sys.stdout, index=index)
        return
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        df.to_csv(path, index=index)
    elif suffix == ".parquet":
        df.to_parquet(path, index=index)
    elif suffix == ".json":
        path.write_text(df.to_json(orient="records", indent=2))
    else:
        raise PpprogError(f"--out {out}: unknown format {suffix!r} (use .csv, .parquet or .json)")
    print(f"wrote {len(df)} rows to {path}", file=sys.stderr)


def read_frame(path: str) -> pd.DataFrame:
    """Read a CSV or Parquet table.

    Parameters
    ----------
    path : str

    Returns
    -------
    pandas.DataFrame
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"no such file: {p}")
    if p.suffix.lower() == ".parquet":
        import pandas as pd

        return pd.read_parquet(p)
    if p.suffix.lower() in (".csv", ".txt", ".tsv"):
        import pandas as pd

        return pd.read_csv(p, sep="\t" if p.suffix.lower() == ".tsv" else ",")
    raise PpprogError(f"{p}: expected a .csv, .tsv or .parquet table")


def print_json(obj: Any) -> None:
    """Print ``obj`` as indented JSON on stdout (NaN written as null).

    Parameters
    ----------
    obj : object
        JSON-serialisable after replacing NaN/inf by None.
    """

    def clean(x: Any) -> Any:
        if isinstance(x, float) and (x != x or x in (float("inf"), float("-inf"))):
            return None
        if isinstance(x, dict):
            return {str(k): clean(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [clean(v) for v in x]
        return x

    json.dump(clean(obj), sys.stdout, indent=2)
    sys.stdout.write("\n")
