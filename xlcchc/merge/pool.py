"""The merge's worker processes: returns read and checked two at a time, and kept for several folders.

A pool is started once (forked where the system can: the workers inherit the reader, the checks and the
catalogs already loaded) and may serve several folders one after another (`merge_folders`): starting
two processes and loading the catalogs again for each of 34 provinces cost about a tenth of a second a
province. `start` submits a folder's reads at once and returns their results as an iterator, so the
parent can do other work (write the previous folder's TONG_HOP.xlsx) while the workers read.

A worker that dies (killed, out of memory) breaks the pool: every file not yet answered is read again
alone, each in a process of its own, and only a file that kills that one too is lost (Không hợp lệ,
with the reason). The next folder gets a new pool.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from .collect import FileResult, _read_star, _sha256_or_blank


class ReadPool:
    """Worker processes for reading returns; a context manager (the processes end with it)."""

    def __init__(self, workers: int | None = None):
        self.workers = workers if workers is not None else min(2, os.cpu_count() or 1)
        self._executor = None
        self._ctx = None

    def __enter__(self) -> "ReadPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def start(self, jobs: list[tuple]) -> Iterator[FileResult]:
        """Submit every job now; their results, in the order of `jobs`, as the workers answer."""
        from concurrent.futures.process import BrokenProcessPool

        if not jobs:
            return iter(())
        # Small chunks: the last one decides when the folder is done (a 32-file chunk idles a core ~0.15 s).
        chunk = max(1, min(8, len(jobs) // (self.workers * 4) or 1))
        try:
            pool = self._pool(jobs)
            answers = pool.map(_read_star, jobs, chunksize=chunk)
        except BrokenProcessPool:  # broken by an earlier folder's reads: a new pool for this one
            self.close()
            pool = self._pool(jobs)
            answers = pool.map(_read_star, jobs, chunksize=chunk)
        return self._results(jobs, answers, pool)

    def _pool(self, jobs: list[tuple]):
        if self._executor is None:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            _preload(jobs)
            self._ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
            self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=self._ctx)
        return self._executor

    def _results(self, jobs: list[tuple], answers: Iterator[FileResult], pool) -> Iterator[FileResult]:
        from concurrent.futures import CancelledError
        from concurrent.futures.process import BrokenProcessPool

        done = 0
        try:
            for res in answers:
                done += 1
                yield res
        except (BrokenProcessPool, CancelledError):
            # Which file the dead worker was reading is unknown: every file not yet answered is read again
            # alone. The broken pool is ended (which cancels the reads it still held for the next folder:
            # those are read alone too) and the next folder started gets a new one; a pool started since
            # for a later folder is not this one's to end.
            if pool is self._executor:
                self.close()
            for j in jobs[done:]:
                yield _read_alone(j, self._ctx)


def _preload(jobs: list[tuple]) -> None:
    """Load, before the fork, what every worker would otherwise load for itself: the checks and the catalogs
    the jobs name (or the default one)."""
    from ..catalog.load import DEFAULT_REGIME, load_catalog, registry_of
    from ..check import check_return  # noqa: F401 - imported once here, inherited by forked workers

    for regime in sorted({j[4] or DEFAULT_REGIME for j in jobs}):
        try:
            cat = load_catalog(regime)
            cat.fingerprint, registry_of(cat).by_code  # noqa: B018 - computed once, cached on the objects
        except Exception:  # noqa: BLE001 - a worker reports a bad regime per file
            pass


def _read_alone(job: tuple, ctx) -> FileResult:
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
            return pool.submit(_read_star, job).result()
    except BrokenProcessPool:
        rel = job[1]
        return FileResult(
            rel=rel, sha256=_sha256_or_blank(job[0]), mtime=job[3], error_code="doc.worker_died",
            error=f"Đọc tệp “{rel}” làm chương trình đọc bị dừng đột ngột (hết bộ nhớ hoặc bị tắt); tệp không được "
            "tổng hợp — hãy mở và lưu lại bằng Excel rồi gửi lại",
        )
