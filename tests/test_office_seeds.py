"""Kept LibreOffice profiles (`office._seed_path`) of installations that are gone are removed, never one in use.

The key of a kept profile names the installation, so an upgraded or moved LibreOffice leaves the old one
in the user's cache. A run that uses or keeps a profile marks it used and removes the others' not used for
`SEED_UNUSED_DAYS`; real folders here, and a real LibreOffice run at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import xlsxwriter

from xlcchc.office import SEED_UNUSED_DAYS, _forget_stale_seeds, _used, soffice_available

DAY = 24 * 3600
KEY = "0123456789abcdef"


def _profile_folder(path: Path, age_days: float) -> Path:
    """A folder shaped like a kept profile (nested folders and files), last used `age_days` ago."""
    (path / "user" / "config").mkdir(parents=True)
    (path / "user" / "config" / "x.xcu").write_text("<x/>", encoding="utf-8")
    (path / "user" / "extensions.db").write_bytes(b"\0" * 100)
    when = time.time() - age_days * DAY
    os.utime(path, (when, when))
    return path


def test_only_stale_profiles_of_other_installations_are_removed(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    mine = _profile_folder(cache / f"libreoffice-profile-{KEY}", SEED_UNUSED_DAYS + 30)  # kept: the one in use
    recent = _profile_folder(cache / "libreoffice-profile-1111111111111111", SEED_UNUSED_DAYS - 1)
    stale = _profile_folder(cache / "libreoffice-profile-2222222222222222", SEED_UNUSED_DAYS + 1)
    stale_part = _profile_folder(cache / ".libreoffice-profile-3333333333333333.4242.part", SEED_UNUSED_DAYS + 1)
    fresh_part = _profile_folder(cache / ".libreoffice-profile-3333333333333333.4343.part", 0)
    half_removed = _profile_folder(cache / ".libreoffice-profile-4444444444444444.77.old", SEED_UNUSED_DAYS + 2)
    not_ours = [_profile_folder(cache / name, SEED_UNUSED_DAYS + 30)
                for name in ("libreoffice-profile-notakey", "libreoffice-profile-2222222222222222x", "catalog-x")]
    pickle = cache / "catalog-tinh-2022-abc.pickle"
    pickle.write_bytes(b"data")
    os.utime(pickle, (time.time() - 60 * DAY,) * 2)
    elsewhere = _profile_folder(tmp_path / "elsewhere", SEED_UNUSED_DAYS + 30)
    link = cache / "libreoffice-profile-5555555555555555"
    link.symlink_to(elsewhere, target_is_directory=True)
    a_file = cache / "libreoffice-profile-6666666666666666"
    a_file.write_bytes(b"not a folder")
    os.utime(a_file, (time.time() - 60 * DAY,) * 2)

    removed = _forget_stale_seeds(cache, keep=mine.name)

    assert sorted(removed) == sorted([stale.name, stale_part.name, half_removed.name])
    assert not stale.exists() and not stale_part.exists() and not half_removed.exists()
    assert [p for p in cache.iterdir() if p.name.endswith(".old")] == []  # renamed away, then removed
    for kept in (mine, recent, fresh_part, *not_ours, elsewhere):
        assert (kept / "user" / "config" / "x.xcu").read_text(encoding="utf-8") == "<x/>"
    assert link.is_symlink() and pickle.read_bytes() == b"data" and a_file.read_bytes() == b"not a folder"


def test_a_profile_copied_by_a_run_is_marked_used_first(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    mine = _profile_folder(cache / f"libreoffice-profile-{KEY}", SEED_UNUSED_DAYS + 30)
    other = _profile_folder(cache / "libreoffice-profile-2222222222222222", SEED_UNUSED_DAYS + 1)
    _used(mine)
    assert time.time() - mine.stat().st_mtime < DAY
    assert not other.exists()
    # ... so another installation's run, a moment later, leaves it alone
    assert _forget_stale_seeds(cache, keep=other.name) == []
    assert (mine / "user" / "extensions.db").exists()


def test_a_missing_or_read_only_cache_is_left_as_it_is(tmp_path):
    _used(tmp_path / "nowhere" / f"libreoffice-profile-{KEY}")  # no error, nothing made
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.skipif(not soffice_available(), reason="LibreOffice (soffice) is not installed")
def test_a_real_conversion_keeps_its_profile_and_removes_a_gone_installations(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    gone = _profile_folder(cache / "libreoffice-profile-2222222222222222", SEED_UNUSED_DAYS + 1)
    other = _profile_folder(cache / "libreoffice-profile-1111111111111111", 1)  # another installation, used
    book = tmp_path / "one.xlsx"
    wb = xlsxwriter.Workbook(str(book))
    wb.add_worksheet().write_string(0, 0, "một")
    wb.close()
    code = "import sys; from xlcchc.office import to_pdf; to_pdf(sys.argv[1], sys.argv[2])"
    env = dict(os.environ, XLCCHC_CACHE_DIR=str(cache))
    for _ in range(2):  # the first run keeps its profile, the second copies it
        subprocess.run([sys.executable, "-c", code, str(book), str(tmp_path / "pdf")], check=True, env=env, timeout=300)
        assert (tmp_path / "pdf" / "one.pdf").stat().st_size > 0
        assert not gone.exists() and (other / "user" / "extensions.db").exists()
        kept = [p for p in cache.iterdir() if p.name not in (other.name,)]
        assert len(kept) == 1 and kept[0].name.startswith("libreoffice-profile-") and any(kept[0].iterdir())
