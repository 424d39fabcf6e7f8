"""Write a frame as consecutive Parquet files, so batches spread over files (tests only)."""

from __future__ import annotations

import pandas as pd


def write_parts(frame: pd.DataFrame, folder, rows_per_file: int) -> None:
    """``folder/part-NNNNN.parquet``, ``rows_per_file`` rows each, in row order (unlike
    :func:`modellab.scale.write_scenario`, any frame: a changed or damaged production)."""
    folder.mkdir()
    for i, start in enumerate(range(0, len(frame), rows_per_file)):
        frame.iloc[start:start + rows_per_file].to_parquet(folder / f"part-{i:05d}.parquet")
