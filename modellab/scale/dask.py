"""The chunked computation on a Dask cluster (:mod:`dask.distributed`).

Each Parquet file becomes one task that reads it record batch by record batch on a
worker and returns its small :class:`~modellab.monitor._batch.DatasetSummary` (counts,
histograms, sums: kilobytes, not rows). The client merges the summaries as they arrive,
so only summaries ever cross the network. The fitted plan (reference summaries) is
scattered to every worker once.

Any cluster works: pass a ``Client`` (``LocalCluster``, Kubernetes, SLURM, ...) or a
scheduler address. The workers must see the files at the same paths (a shared file
system or object store) and have ``modellab`` installed.

Examples
--------
>>> client = local_client()                     # doctest: +SKIP
>>> result = monitor_parquet(reference, "data/", client=client)  # doctest: +SKIP
>>> client.close()                              # doctest: +SKIP
"""

from __future__ import annotations

from modellab.monitor._batch import DatasetSummary, Plan
from modellab.scale._chunked import summarise_file


def local_client(n_workers: int = 2, threads_per_worker: int = 1, *, processes: bool = True,
                 dashboard: bool = False, memory_limit: str = "2GiB"):
    """A ``Client`` on a small new ``LocalCluster`` (close it with ``client.close()``).

    ``dashboard=True`` is for people: it says where the dashboard is
    (``client.dashboard_link``). Either way the scheduler's web server listens on a random
    free port on the loopback address only: distributed cannot switch it off, and its
    default port 8787 may be taken. The client owns its cluster: closing the client stops
    the workers.
    """
    import logging

    from distributed import Client

    # Closing a cluster can close a batched comm mid-write; distributed logs that at INFO
    # level with a full traceback ("Batched Comm Closed"), which lessons and the course site
    # would show as an error. It is normal shutdown, so only warnings are shown from there.
    logging.getLogger("distributed.batched").setLevel(logging.WARNING)
    # worker processes talk over TCP: keep that on loopback too (threads use in-process comms)
    loopback = {"host": "127.0.0.1"} if processes else {}
    client = Client(
        n_workers=n_workers, threads_per_worker=threads_per_worker, processes=processes,
        dashboard_address="127.0.0.1:0", memory_limit=memory_limit, **loopback,
    )
    if dashboard:
        print(f"Dask dashboard: {client.dashboard_link}")
    return client


def _connect(client):
    """``(Client, owned)`` from a Client or a scheduler address."""
    from distributed import Client

    if isinstance(client, Client):
        return client, False
    if isinstance(client, str):
        try:
            return Client(client, timeout="10s"), True
        except OSError as exc:
            raise ValueError(
                f"Could not reach a Dask scheduler at {client!r} ({exc}): check the address "
                f"(e.g. 'tcp://host:8786') or pass a Client."
            ) from None
    raise TypeError(
        f"client must be a dask.distributed Client or a scheduler address, got "
        f"{type(client).__name__}."
    )


def summarise_files_dask(plan: Plan, files, client, batch_size: int) -> DatasetSummary:
    """One task per file (map), summaries merged as they complete (reduce)."""
    from distributed import as_completed

    client, owned = _connect(client)
    try:
        plan_future = client.scatter(plan, broadcast=True)
        futures = client.map(summarise_file, [plan_future] * len(files),
                             [str(f) for f in files], [batch_size] * len(files),
                             list(range(len(files))), pure=False)
        total = DatasetSummary()
        for future in as_completed(futures):
            total = total.merge(future.result())
            future.release()  # drop each summary from worker memory once merged
        return total
    finally:
        if owned:
            client.close()


class DaskEngine:
    """Summarise files on a Dask cluster: one task per file, summaries merged as they come.

    ``client`` is a ``dask.distributed.Client`` or a scheduler address (connected for
    the run, closed after).
    """

    name = "dask"

    def __init__(self, client):
        self.client = client

    def summarise(self, plan: Plan, files, batch_size: int) -> DatasetSummary:
        return summarise_files_dask(plan, files, self.client, batch_size)
