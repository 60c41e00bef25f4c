"""The on-disk cache of validated catalogs: same objects as a fresh validation, rebuilt when unusable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from xlcchc.catalog import cache
from xlcchc.catalog.load import load_catalog_file, load_registry_file

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "xlcchc" / "catalog"

_PROBE = (
    "from xlcchc.catalog.load import load_catalog, registry_of;"
    "c = load_catalog('tinh-2022'); r = registry_of(c);"
    "print(c.fingerprint, len(c.rules), len(r.units), r.units[-1].code)"
)


def _run(env_dir: str) -> str:
    env = dict(os.environ, XLCCHC_CACHE_DIR=env_dir)
    return subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env,
                          cwd=ROOT, check=True).stdout.strip()


def test_second_run_reads_the_cache_and_sees_the_same_catalog(tmp_path):
    first = _run(str(tmp_path))
    files = sorted(p.name.split("-")[0] for p in tmp_path.glob("*.pickle"))
    assert files == ["catalog", "registry"]
    stamps = {p: p.stat().st_mtime_ns for p in tmp_path.glob("*.pickle")}
    second = _run(str(tmp_path))
    assert second == first
    assert {p: p.stat().st_mtime_ns for p in tmp_path.glob("*.pickle")} == stamps  # read, not rewritten
    fresh = load_catalog_file(DATA / "data" / "tinh-2022.toml")
    reg = load_registry_file(DATA / "units" / f"{fresh.registry}.toml")
    assert first == f"{fresh.fingerprint} {len(fresh.rules)} {len(reg.units)} {reg.units[-1].code}"


def test_a_damaged_cache_file_is_validated_again(tmp_path, monkeypatch):
    monkeypatch.setenv("XLCCHC_CACHE_DIR", str(tmp_path))
    built = []

    def build():
        built.append(1)
        return {"rows": [1, 2, 3]}

    assert cache.cached("probe", "x", build) == {"rows": [1, 2, 3]}
    (path,) = tmp_path.glob("probe-x-*.pickle")
    assert cache.cached("probe", "x", build) == {"rows": [1, 2, 3]} and len(built) == 1
    path.write_bytes(b"\x80\x05 not a pickle")
    assert cache.cached("probe", "x", build) == {"rows": [1, 2, 3]} and len(built) == 2
    assert not list(tmp_path.glob(".*.part"))


def test_empty_setting_turns_the_cache_off(tmp_path, monkeypatch):
    monkeypatch.setenv("XLCCHC_CACHE_DIR", "")
    assert cache.cache_dir() is None
    assert cache.cached("probe", "y", lambda: 42) == 42
    assert _run("") == _run(str(tmp_path))
    assert not list(Path(tmp_path).glob("probe-*"))


def test_the_key_follows_the_bytes_of_a_province_s_own_data(tmp_path, monkeypatch):
    own = tmp_path / "own"
    (own / "data").mkdir(parents=True)
    regime = own / "data" / "tinh-rieng.toml"
    regime.write_bytes(b'extends = "tinh-2025"\n# a\n')
    monkeypatch.setenv("XLCCHC_CATALOG_DIR", str(own))
    first = cache.data_key()
    stat = regime.stat()
    regime.write_bytes(b'extends = "tinh-2025"\n# b\n')  # same size, same time: only the bytes differ
    os.utime(regime, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    cache._data_key.cache_clear()
    second = cache.data_key()
    (own / "data" / "ghi-chu.txt").write_text("not a regime")
    cache._data_key.cache_clear()
    assert first != second and cache.data_key() == second
    cache._data_key.cache_clear()


def test_an_unwritable_cache_gives_the_same_catalog(tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be")
    assert _run(str(blocked)) == _run(str(tmp_path / "cache"))
    assert blocked.read_text() == "a file where the cache folder would be"


_CHOICES = (
    "from xlcchc.catalog.select import regime_for_period, regimes_in_force, choice_sentence;"
    "from xlcchc.periods import parse_period;"
    "ps = [parse_period(p) for p in ('2021-6T', '2022-N', '2024-Q1', '2025-6T', '2025-9T', '2026-N')];"
    "print([(regimes_in_force(p), regimes_in_force(p, 'tw'), regimes_in_force(p, 'huyen')) for p in ps]);"
    "print([choice_sentence(regime_for_period(p), p) for p in ps])"
)


def test_choosing_a_regime_from_the_index_answers_as_the_catalogs_do(tmp_path):
    """The regimes' index (level, dates, extends of every regime, cached) against each catalog loaded."""
    from xlcchc.catalog.load import available_regimes, load_catalog
    from xlcchc.catalog.select import _facts

    for name in available_regimes():
        cat = load_catalog(name)
        assert _facts(name) == (cat.level, cat.in_force, cat.extends)

    def run(cache_dir: str) -> str:
        env = dict(os.environ, XLCCHC_CACHE_DIR=cache_dir)
        return subprocess.run([sys.executable, "-c", _CHOICES], capture_output=True, text=True, env=env,
                              cwd=ROOT, check=True).stdout

    without = run("")
    assert "tinh-2025" in without and "quoc-gia-2025" in without
    assert run(str(tmp_path)) == without  # cold: the index is built
    assert list(tmp_path.glob("regimes-index-*.pickle"))
    assert run(str(tmp_path)) == without  # warm: read from it
