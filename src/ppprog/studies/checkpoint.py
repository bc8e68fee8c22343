"""Where finished chunks go: memory, or Parquet files with a JSON manifest.

A checkpoint folder holds one Parquet file per finished chunk and
``manifest.json`` (the study, its fingerprint, seed, package versions, one
record per finished chunk with its timing, and one record per run). Every
file is written to a temporary name and renamed into place, and a chunk counts
as finished only once the manifest lists it; a chunk file without a manifest
entry (a run killed between the two renames) is simply recomputed. Resuming
therefore loses no replicate and counts none twice.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ppprog._core.errors import SpecError
from ppprog._core.versions import versions
from ppprog.studies.seeding import ChunkKey

__all__ = ["MemoryStore", "ParquetStore", "open_store", "MANIFEST"]

MANIFEST = "manifest.json"
_FORMAT = 1


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class MemoryStore:
    """Keeps finished chunks in memory (no checkpointing).

    Parameters
    ----------
    study_dict : mapping
        ``Study.to_dict()``.
    fingerprint : str
        ``Study.fingerprint()``.
    """

    def __init__(self, study_dict: Mapping[str, Any], fingerprint: str) -> None:
        self._frames: dict[ChunkKey, pd.DataFrame] = {}
        self.manifest: dict[str, Any] = {
            "format": _FORMAT,
            "study": dict(study_dict),
            "fingerprint": fingerprint,
            "seed": study_dict["seed"],
            "versions": versions(),
            "created": _now(),
            "chunks": [],
            "runs": [],
        }

    def done(self) -> list[ChunkKey]:
        """Keys of the finished chunks."""
        return [ChunkKey(c["scenario"], c["first"], c["count"]) for c in self.manifest["chunks"]]

    def start_run(self, info: Mapping[str, Any]) -> None:
        """Record the start of a run (backend, workers, chunk size)."""
        self.manifest["runs"].append({"started": _now(), **dict(info)})
        self._save_manifest()

    def finish_run(self, seconds: float, replicates_run: int) -> None:
        """Record the end of the current run."""
        run = self.manifest["runs"][-1]
        run.update(finished=_now(), seconds=seconds, replicates_run=replicates_run)
        self._save_manifest()

    def put(self, key: ChunkKey, frame: pd.DataFrame, timing: Mapping[str, float]) -> None:
        """Store a finished chunk and list it in the manifest."""
        self._frames[key] = frame
        self._record(key, len(frame), timing)

    def _record(self, key: ChunkKey, rows: int, timing: Mapping[str, float]) -> None:
        entry: dict[str, Any] = {"scenario": key.scenario, "first": key.first, "count": key.count}
        entry.update(file=f"{key.name}.parquet", rows=rows, finished=_now(), **dict(timing))
        self.manifest["chunks"].append(entry)
        self.manifest["updated"] = _now()
        self._save_manifest()

    def _save_manifest(self) -> None:
        pass

    def frames(self, keys: list[ChunkKey]) -> list[pd.DataFrame]:
        """Return the stored frames of ``keys``, in that order."""
        return [self._frames[k] for k in keys]


class ParquetStore(MemoryStore):
    """Stores finished chunks as Parquet files in ``folder`` (resumable).

    Parameters
    ----------
    folder : str or pathlib.Path
        Checkpoint folder; created if needed. When it already holds a manifest,
        the study must have the same fingerprint (same design, seed and
        methods; only the number of replicates may differ).
    study_dict : mapping
        ``Study.to_dict()``.
    fingerprint : str
        ``Study.fingerprint()``.
    """

    def __init__(self, folder: str | Path, study_dict: Mapping[str, Any], fingerprint: str):
        super().__init__(study_dict, fingerprint)
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / MANIFEST
        if path.exists():
            old = json.loads(path.read_text())
            if old.get("fingerprint") != fingerprint:
                raise SpecError(
                    f"checkpoint {self.folder} belongs to a different study "
                    f"(fingerprint {old.get('fingerprint')} != {fingerprint}); "
                    "use another checkpoint_dir or delete it"
                )
            old["study"] = dict(study_dict)
            old["versions"] = versions()
            self.manifest = old
        self._save_manifest()

    def put(self, key: ChunkKey, frame: pd.DataFrame, timing: Mapping[str, float]) -> None:
        """Write the chunk's Parquet file atomically, then list it in the manifest."""
        target = self.folder / f"{key.name}.parquet"
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, target)
        self._record(key, len(frame), timing)

    def _save_manifest(self) -> None:
        text = json.dumps(self.manifest, indent=1, sort_keys=False, default=repr)
        _write_atomic(self.folder / MANIFEST, text.encode())

    def frames(self, keys: list[ChunkKey]) -> list[pd.DataFrame]:
        """Read the Parquet files of ``keys``, in that order."""
        return [pd.read_parquet(self.folder / f"{k.name}.parquet") for k in keys]


def open_store(
    folder: str | Path | None, study_dict: Mapping[str, Any], fingerprint: str
) -> MemoryStore:
    """Return a :class:`ParquetStore` for ``folder``, or a :class:`MemoryStore` if None."""
    if folder is None:
        return MemoryStore(study_dict, fingerprint)
    return ParquetStore(folder, study_dict, fingerprint)
