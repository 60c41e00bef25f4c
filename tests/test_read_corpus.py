"""Every kind of bad returned file gets its own clear Vietnamese message, never a traceback."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from xlcchc.check import check_file, is_fatal
from xlcchc.read import ReturnError, read_return
from xlcchc.signing import KEY_ENV

from .conftest import ROOT

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
CASES = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
VIETNAMESE = set("ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


def _expect(args: list[str]) -> dict:
    opts = dict(zip(args[::2], args[1::2]))
    return {"regime": opts.get("--regime"), "expected_unit": opts.get("--unit"), "expected_period": opts.get("--period")}


def test_corpus_has_many_distinct_kinds():
    assert len(CASES) >= 25
    assert len({c["rule"] for c in CASES}) >= 25
    assert all((CORPUS / c["file"]).exists() for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_check_file_reports_the_kind(case):
    path = CORPUS / case["file"]
    before = path.read_bytes()
    found = check_file(path, **_expect(case["args"]))
    hits = [f for f in found if f.rule == case["rule"]]
    assert hits, [f.rule for f in found]
    msg = hits[0].message
    assert case["phrase"] in msg
    assert VIETNAMESE & set(msg.lower()), msg  # full diacritics, not ASCII Vietnamese
    assert path.read_bytes() == before  # the source is never modified
    if case["exit"] == 2:
        assert any(is_fatal(f) for f in found)
        with pytest.raises(ReturnError) as ei:
            exp = _expect(case["args"])
            read_return(path, expected_unit=exp["expected_unit"], expected_period=exp["expected_period"], regime=exp["regime"])
        assert ei.value.code == case["rule"]
    else:
        assert not any(is_fatal(f) for f in found)
        if hits[0].rule.startswith("cell."):
            assert hits[0].cell and hits[0].cell.startswith("'Biểu mẫu")


def _cli_check(path, args=(), *, key: bool, profile):
    """`xlcchc check` in a fresh process: with the consolidator's (sample) key, or as unit staff without one."""
    env = dict(os.environ, XDG_CONFIG_HOME=str(profile))  # never the machine's own profile key
    if not key:
        env.pop(KEY_ENV, None)
    return subprocess.run(
        [sys.executable, "-m", "xlcchc", "check", str(path), *args],
        capture_output=True, text=True, encoding="utf-8", cwd=ROOT, env=env,
    )


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_cli_exit_status_and_no_traceback(case, tmp_path):
    """What unit staff see (no key: the signature is not verified, the metadata checks speak)."""
    r = _cli_check(CORPUS / case["file"], case["args"], key=False, profile=tmp_path)
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
    assert r.returncode == case["exit"], r.stdout + r.stderr
    assert case["phrase"] in r.stdout
    if case["exit"] == 0:  # warnings only (macros ignored, a long note kept, a typed-over formula recomputed)
        assert "Cảnh báo" in r.stdout


def test_excel_lock_file_is_recognised_by_its_name(tmp_path):
    """`~$…` beside an open workbook: its own message (not “a renamed text file”), whatever its bytes."""
    lock = tmp_path / "~$BC_CCHC_2022_STP.xlsx"
    lock.write_bytes(b"\x0bNguyen Van A" + b"\x00" * 40)
    with pytest.raises(ReturnError) as ei:
        read_return(lock)
    assert ei.value.code == "doc.lock_file"
    assert "tệp khóa tạm của Excel" in str(ei.value) and "bỏ qua" in str(ei.value)
    assert [f.rule for f in check_file(lock)] == ["doc.lock_file"]


# Signed templates whose metadata was edited afterwards (make_corpus: _meta_edit).
TAMPERED_META = [c for c in CASES if c["file"] in {"unknown_regime.xlsx", "fingerprint.xlsx", "format_version.xlsx", "unit_unknown.xlsx"}]


@pytest.mark.parametrize("case", TAMPERED_META, ids=[c["file"] for c in TAMPERED_META])
def test_cli_with_the_key_refuses_edited_metadata_as_a_broken_signature(case, tmp_path):
    """Where the consolidator's key is, an edited regime/fingerprint/format/unit is a signature mismatch."""
    r = _cli_check(CORPUS / case["file"], case["args"], key=True, profile=tmp_path)
    assert "Traceback" not in r.stderr + r.stdout
    assert r.returncode == 2, r.stdout + r.stderr
    assert "chữ ký của cơ quan tổng hợp không khớp" in r.stdout
