import json
import os
from pathlib import Path

import pytest
from hypothesis import settings

# Tests never assert timings (speed lives in bench/): hypothesis' default 200 ms deadline per example is
# one, and on a loaded CI machine it failed property tests that set no deadline of their own
# (test_check_fast_paths under load 13). Every test inherits this profile; its own @settings add to it.
settings.register_profile("xlcchc", deadline=None)
settings.load_profile("xlcchc")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Templates made by tests (and by the CLI they run) are signed with the published sample key, never
# with a key created in the profile of whoever runs the tests; subprocesses inherit it.
os.environ["XLCCHC_KEY_FILE"] = str(ROOT / "samples" / "KHOA_KY_MAU.key")


def seeds_dir() -> Path:
    """The shared seeds: beside the repository (CI clones main with shared/ next to it)."""
    for cand in (ROOT.parent / "shared" / "seeds", ROOT.parent.parent / "shared" / "seeds"):
        if cand.is_dir():
            return cand
    env = os.environ.get("XLCCHC_SEEDS")
    if env:
        return Path(env)
    raise RuntimeError("shared/seeds not found beside the repository; set XLCCHC_SEEDS")


@pytest.fixture(scope="session")
def seed_values() -> dict:
    return json.loads((FIXTURES / "seed_tinh_2022.json").read_text(encoding="utf-8"))


def pytest_sessionstart(session):
    """In CI the LibreOffice tests must run, not skip: a missing soffice there is a broken setup."""
    from xlcchc.office import soffice_available

    if os.environ.get("CI") and not soffice_available():
        raise pytest.UsageError("CI: LibreOffice (soffice) is missing; ./dev test should have installed it")


def bytes_held(run) -> int:
    """Bytes still allocated (tracemalloc, after a collection) once `run()` is done: what a cache keeps
    beyond the call that filled it."""
    import gc
    import tracemalloc

    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        run()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
