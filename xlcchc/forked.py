"""`work(item)` for each item on forked processes that inherit the parent's state (templates, catalogs).

Shared by the template builds (`template_units`) and the national returns (`national`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

#: What forked processes inherit (set by the parent before its pool starts): the work and its items.
_JOB: tuple | None = None


def _run(index: int) -> Any:
    work, items = _JOB
    return work(items[index])


def forked_map(work: Callable[[Any], Any], items: list, workers: int) -> Iterator[Any]:
    """`work(item)` for each item, in order: on `workers` forked processes (only the items' indexes travel
    to them), or here when there is one worker or no fork. A killed process (out of memory…) breaks the
    pool: the items not answered yet are done here."""
    global _JOB
    import multiprocessing as mp

    done = 0
    if workers > 1 and "fork" in mp.get_all_start_methods():
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        _JOB = (work, items)
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork")) as pool:
                for got in pool.map(_run, range(len(items))):
                    done += 1
                    yield got
        except BrokenProcessPool:
            pass
        finally:
            _JOB = None
    for item in items[done:]:
        yield work(item)
