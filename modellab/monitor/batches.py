"""Batch files on disk: find them, name them, read them.

A batch folder holds one file per batch, CSV or Parquet, named so that the batch
id is the number at the end of the name: ``batch_000.parquet``, ``batch_012.csv``,
``2024-03.csv`` -> 0, 12 and 3. A name without digits (``week-a.csv``) is its own
id (``"week-a"``). Files named ``reference.*`` are ignored.

Examples
--------
>>> batch_id_from_path("data/batch_012.parquet")
12
>>> batch_id_from_path("week-a.csv")
'week-a'
"""

from __future__ import annotations

import pathlib
import re

import pandas as pd

#: File suffixes read as batches.
SUFFIXES = (".csv", ".parquet", ".pq")
_TRAILING_DIGITS = re.compile(r"(\d+)$")


def batch_id_from_path(path):
    """The batch id encoded in a file name: trailing digits as an int, else the stem."""
    stem = pathlib.Path(path).name
    for suffix in SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    match = _TRAILING_DIGITS.search(stem)
    return int(match.group(1)) if match else stem


# files that sit beside the batches but are not batches (e.g. `modellab scenarios export`)
NOT_BATCHES = {"reference", "truth"}


def list_batch_files(directory) -> list[tuple[object, pathlib.Path]]:
    """``(batch_id, path)`` for every CSV/Parquet batch file in ``directory``, ordered by id.

    Raises ``FileNotFoundError`` for a missing folder and ``ValueError`` when two
    files carry the same batch id (e.g. ``batch_001.csv`` and ``batch_001.parquet``).
    """
    folder = pathlib.Path(directory)
    if not folder.is_dir():
        raise FileNotFoundError(f"No batch folder at {folder}: pass the folder holding batch_000.csv, ...")
    found: dict[object, pathlib.Path] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower() not in SUFFIXES:
            continue
        if path.stem.lower() in NOT_BATCHES:
            continue
        key = batch_id_from_path(path)
        if key in found:
            raise ValueError(
                f"{found[key].name} and {path.name} both name batch {key!r}: keep one file per batch."
            )
        found[key] = path
    # Numbers in numeric order, then names alphabetically.
    return sorted(found.items(), key=lambda kv: (isinstance(kv[0], str), kv[0]))


def read_table(path) -> pd.DataFrame:
    """Read one CSV or Parquet file, with errors that name the file and the fix."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No file at {path}: check the path.")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"{path.name}: unsupported file type {suffix!r}; use .csv or .parquet.")
    try:
        frame = pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
    except Exception as exc:  # parser errors come in many types (pyarrow, csv, unicode)
        raise ValueError(f"Could not read {path.name} ({type(exc).__name__}: {exc}): check the file is a valid {suffix[1:]} file.") from None
    if frame.empty:
        raise ValueError(f"{path.name} has no rows: export the batch again.")
    return frame


def read_batch(path) -> pd.DataFrame:
    """Read a batch file and set its ``batch`` column to the id in its name."""
    frame = read_table(path)
    return frame.assign(batch=batch_id_from_path(path))
