"""Scale out: the same flow with prefect-dask's task runner on a Dask cluster.

``--dask local`` starts a local cluster (two single-threaded workers); any other
value is the address of an existing scheduler (``tcp://host:8786``). Workers
must see the corpus and output folders at the same paths (a shared file system):
tasks read articles and write their per-article cache there.
"""

from __future__ import annotations


def dask_task_runner(address: str):
    from prefect_dask import DaskTaskRunner

    if address == "local":
        return DaskTaskRunner(
            cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True, "dashboard_address": None}
        )
    return DaskTaskRunner(address=address)
