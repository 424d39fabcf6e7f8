"""Parquet datasets read file by file, record batch by record batch, with bounded memory.

A *dataset* is a folder of ``.parquet`` files (searched recursively; names starting with
``_`` or ``.`` are ignored, like ``_manifest.json``), a single file, or a list of files.
Each file is opened as a :mod:`pyarrow.dataset` and scanned in record batches of at most
``batch_size`` rows, reading only the columns asked for, so memory depends on the batch
size and not on the size of the data.

A file is the unit of failure: a file that is missing, cannot be parsed, or lacks a
needed column is *skipped* and reported (:class:`Skipped`), and the others are still
read. :func:`write_scenario` writes a scenario's production stream as such a dataset,
one scenario batch at a time.

Examples
--------
>>> import tempfile, pathlib
>>> from modellab.scenarios import make
>>> s = make("stable", n_reference=200, n_batches=4, batch_size=250)
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> files = write_scenario(s, out, rows_per_file=400)
>>> [f.name for f in files]
['part-00000.parquet', 'part-00001.parquet', 'part-00002.parquet']
>>> sum(len(chunk) for _, chunk in iter_chunks(list_files(out), ["batch", "score"]))
1000
"""

from __future__ import annotations

import json
import os
import pathlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from modellab._validate import positive_int

#: Rows per record batch read at a time (about 30-60 MB for a 15-column scenario frame).
DEFAULT_BATCH_SIZE = 262_144
MANIFEST = "_manifest.json"


@dataclass(frozen=True)
class Skipped:
    """A file that could not be used: its path and why."""

    file: str
    error: str

    def __str__(self) -> str:
        return f"{pathlib.Path(self.file).name}: {self.error}"


class PartitionError(Exception):
    """A file is missing, unreadable, or lacks columns: it is skipped, the rest is read."""


def list_files(path) -> list[pathlib.Path]:
    """The Parquet files of a dataset, in name order.

    Parameters
    ----------
    path : str, path-like or list of them
        A folder (searched recursively for ``*.parquet``; names starting with ``_`` or
        ``.`` ignored), one file, or a list of files. Files of a list that do not exist
        are kept so that reading reports them as missing. A folder with a
        ``_manifest.json`` (written by :func:`write_scenario`) lists the files it should
        hold, so a deleted file is reported too.
    """
    if isinstance(path, (str, os.PathLike)):
        p = pathlib.Path(path)
        if p.is_file():
            return [p]
        if not p.is_dir():
            raise FileNotFoundError(
                f"No Parquet dataset at {p}: pass a folder of .parquet files, a file, or a "
                f"list of files."
            )
        found = sorted(
            f for f in p.rglob("*.parquet")
            if not any(part.startswith(("_", ".")) for part in f.relative_to(p).parts)
        )
        manifest = p / MANIFEST
        if manifest.is_file():
            expected = [p / name for name in json.loads(manifest.read_text())["files"]]
            found = sorted(set(found) | set(expected))
        if not found:
            raise ValueError(
                f"{p} holds no .parquet files: write the data there first (e.g. "
                f"'modellab scenarios export NAME --out DIR --partitioned')."
            )
        return found
    if isinstance(path, Sequence) and not isinstance(path, (str, bytes)):
        files = [pathlib.Path(f) for f in path]
        if not files:
            raise ValueError("The list of files is empty: pass at least one .parquet file.")
        return files
    raise TypeError(
        f"path must be a folder, a file or a list of files, got {type(path).__name__}."
    )


def open_file(file, columns: Sequence[str]) -> ds.Dataset:
    """One Parquet file as a pyarrow dataset, checked to hold ``columns``.

    Raises :class:`PartitionError` (with the file name) when it is missing, unreadable
    or lacks a column.
    """
    file = pathlib.Path(file)
    if not file.is_file():
        raise PartitionError(f"{file.name}: file is missing")
    try:
        dataset = ds.dataset(file, format="parquet")
    except (pa.ArrowException, OSError) as exc:
        raise PartitionError(f"{file.name}: unreadable Parquet file ({_short(exc)})") from None
    lacking = [c for c in columns if c not in dataset.schema.names]
    if lacking:
        raise PartitionError(f"{file.name}: lacks column(s) {lacking}")
    return dataset


def _short(exc: Exception) -> str:
    """Arrow's last, most specific sentence (its messages repeat the path several times)."""
    return str(exc).rsplit("': ", 1)[-1].strip()[:300]


def iter_file(file, columns: Sequence[str], batch_size: int = DEFAULT_BATCH_SIZE,
              optional: Sequence[str] = ()) -> Iterator[pd.DataFrame]:
    """Record batches of one file as pandas frames (only ``columns``, in that order).

    ``optional`` columns are read too when the file has them (appended after ``columns``);
    a file without them is not an error.
    """
    dataset = open_file(file, columns)
    have = set(dataset.schema.names)
    columns = [*columns, *[c for c in optional if c in have and c not in columns]]
    try:
        # Modest read-ahead keeps memory near a few record batches.
        for record_batch in dataset.to_batches(columns=list(columns), batch_size=batch_size,
                                               batch_readahead=2, fragment_readahead=1):
            if record_batch.num_rows:
                yield record_batch.to_pandas()
    except (pa.ArrowException, OSError) as exc:
        raise PartitionError(
            f"{pathlib.Path(file).name}: unreadable Parquet data ({_short(exc)})") from None


def iter_chunks(files, columns: Sequence[str], batch_size: int = DEFAULT_BATCH_SIZE
                ) -> Iterator[tuple[pathlib.Path, pd.DataFrame]]:
    """``(file, chunk)`` for every record batch of every file (errors propagate)."""
    batch_size = positive_int(batch_size, "batch_size")
    for file in files:
        for chunk in iter_file(file, columns, batch_size):
            yield pathlib.Path(file), chunk


def schema_columns(files) -> list[str]:
    """Column names of the first readable file (for up-front checks)."""
    return next(iter(file_schemas(files).values()))


def file_schemas(files) -> dict[pathlib.Path, list[str]]:
    """``{file: column names}`` of every readable file, in file order (footers only).

    Files that cannot be read are left out (reading them later reports them as skipped);
    raises ``ValueError`` when none can be read.
    """
    out = {}
    for file in files:
        try:
            out[pathlib.Path(file)] = list(pq.read_schema(file).names)
        except (pa.ArrowException, OSError):
            continue
    if out:
        return out
    raise ValueError(
        f"None of the {len(files)} file(s) is a readable Parquet file (first: "
        f"{pathlib.Path(files[0]).name}): check the path and re-export the data."
    )


def write_scenario(scenario, out, rows_per_file: int = 1_000_000,
                   transform: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
                   row_group_size: int = DEFAULT_BATCH_SIZE) -> list[pathlib.Path]:
    """Write ``scenario``'s production stream as ``part-NNNNN.parquet`` files in ``out``.

    Batches are generated one at a time (:meth:`Scenario.iter_batches`) and appended to
    the current file until it holds ``rows_per_file`` rows, so memory stays at about one
    scenario batch whatever the number of rows. A ``_manifest.json`` lists the files and
    their rows (a later missing file is then reported). ``transform`` may add columns to
    each batch (e.g. padding); it must return the same columns every time.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    rows_per_file = positive_int(rows_per_file, "rows_per_file")
    row_group_size = positive_int(row_group_size, "row_group_size")
    out = pathlib.Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out} is a file: pass a folder path (it is created if needed).")
    out.mkdir(parents=True, exist_ok=True)
    written: list[tuple[pathlib.Path, int]] = []
    writer, schema, rows_in_file = None, None, 0

    def _new_writer():
        path = out / f"part-{len(written):05d}.parquet"
        written.append((path, 0))
        return pq.ParquetWriter(path, schema)

    try:
        for frame in scenario.iter_batches():
            if transform is not None:
                frame = transform(frame)
            table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
            schema = table.schema
            start = 0
            while start < table.num_rows:
                if writer is None:
                    writer, rows_in_file = _new_writer(), 0
                take = min(rows_per_file - rows_in_file, table.num_rows - start)
                writer.write_table(table.slice(start, take), row_group_size=row_group_size)
                start += take
                rows_in_file += take
                written[-1] = (written[-1][0], rows_in_file)
                if rows_in_file == rows_per_file:
                    writer.close()
                    writer = None
    finally:
        if writer is not None:
            writer.close()
    manifest = {"files": [p.name for p, _ in written], "rows": [n for _, n in written],
                "scenario": scenario.name, "seed": scenario.seed}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return [p for p, _ in written]
