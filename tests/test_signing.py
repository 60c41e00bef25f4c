"""Signed templates: tampering with what the reader trusts is detected where the key is (issue #13).

The metadata sheet is very hidden but not secret; these are the edits a unit (or anyone) can make to
it with Excel or a zip tool. With the consolidating office's key each one is refused with a message
that says what was changed; without the key (unit staff) the workbook is still checked as before.
"""

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xlcchc import layout
from xlcchc.check import check_file, is_fatal
from xlcchc.layout import layout_hash
from xlcchc.read import ReturnError, read_return
from xlcchc.signing import SIGNED_KEYS, SigningKey, find_key, read_key_file, sample_key, sign, verify

from .bad_inputs.make_corpus import _Book, _Package, _meta_edit, filled, rewrite_zip, set_cells
from .conftest import ROOT

KEY = sample_key()


def _write(tmp_path: Path, data: bytes, name: str = "x.xlsx") -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def _refused(path: Path, key: SigningKey = KEY, **kw) -> ReturnError:
    with pytest.raises(ReturnError) as ei:
        read_return(path, key=key, **kw)
    return ei.value


def test_the_sample_key_file_beside_the_samples_is_the_sample_key():
    key = read_key_file(ROOT / "samples" / "KHOA_KY_MAU.key")
    assert key.secret == KEY.secret and key.is_sample
    text = (ROOT / "samples" / "KHOA_KY_MAU.key").read_text(encoding="utf-8")
    assert "KHÓA KÝ MẪU" in text and "Không dùng khóa này để ký biểu mẫu thật" in text


def test_an_untouched_signed_return_passes(tmp_path):
    path = _write(tmp_path, filled())
    ret = read_return(path, key=KEY)
    assert not [p for p in ret.problems if p.rule.startswith("doc.")]
    sample = ROOT / "samples" / "bao-cao-2022" / "BC_CCHC_2022_SNV.xlsx"
    assert not [f for f in check_file(sample, key=KEY) if f.rule.startswith("doc.")]


TAMPER = {
    "unit": ("STP", "mã đơn vị (nay ghi “STP”)"),
    "period": ("2022-6T", "kỳ báo cáo (nay ghi “2022-6T”)"),
    "unit_name": ("Sở Tư pháp", "tên đơn vị"),
}


@pytest.mark.parametrize("field", sorted(TAMPER))
def test_editing_an_identity_field_is_refused_and_named(tmp_path, field):
    value, phrase = TAMPER[field]
    path = _write(tmp_path, _meta_edit(filled(), field, value))
    err = _refused(path)
    assert err.code == "doc.signature" and phrase in str(err), str(err)
    # Without the key (a unit's own check) nothing is verified and the edit goes through as before.
    assert getattr(read_return(path), field) == value


def test_regime_and_fingerprint_edits_are_refused_and_named(tmp_path):
    # Another regime's id (and its fingerprint, so that the catalog check alone would pass).
    from xlcchc.catalog import load_catalog

    other = load_catalog("tinh-2021")
    data = _meta_edit(_meta_edit(filled(), "regime", other.regime), "fingerprint", other.fingerprint)
    err = _refused(_write(tmp_path, data))
    assert err.code == "doc.signature"
    assert "chế độ báo cáo (nay ghi “tinh-2021”)" in str(err) and "phiên bản danh mục chỉ tiêu" in str(err)


def _swap_names(data: bytes, a: str, b: str) -> bytes:
    """Swap two defined names' targets and recompute the layout hash into the metadata: the attack the
    layout hash alone cannot see."""
    def wb(x: bytes) -> bytes:
        t = x.decode()
        ta = re.search(rf'<definedName name="{a}">([^<]*)</definedName>', t).group(1)
        tb = re.search(rf'<definedName name="{b}">([^<]*)</definedName>', t).group(1)
        t = t.replace(f'<definedName name="{a}">{ta}<', f'<definedName name="{a}">\x00<')
        t = t.replace(f'<definedName name="{b}">{tb}<', f'<definedName name="{b}">{ta}<')
        return t.replace("\x00", tb).encode()

    data = rewrite_zip(data, {"xl/workbook.xml": wb})
    names = _Book(_Package("x", data)).names
    return _meta_edit(data, "layout", layout_hash(names))


def test_swapped_names_with_a_recomputed_layout_hash_are_refused(tmp_path):
    data = _swap_names(filled(), "BM3_3_1_1", "BM3_3_1_2")
    assert read_return(_write(tmp_path, data, "nokey.xlsx")).cells  # the layout check alone is fooled
    err = _refused(_write(tmp_path, data))
    assert err.code == "doc.signature" and "bố cục biểu mẫu (tên ô)" in str(err)


def test_a_signature_copied_from_another_units_template_is_refused(tmp_path):
    """Everything of STP's metadata except the layout would be needed; the signature alone is not enough."""
    stp = filled("STP")
    sig = _Book(_Package("x", stp))
    from xlcchc.read.interpret import _meta

    stp_sig = _meta(sig)["signature"]
    data = _meta_edit(_meta_edit(filled(), "unit", "STP"), "signature", stp_sig)
    err = _refused(_write(tmp_path, data))
    assert err.code == "doc.signature"


def test_unsigned_template_is_a_warning_or_refused_by_setting(tmp_path):
    data = set_cells(filled(), {layout.meta_name("signature"): None})
    path = _write(tmp_path, data)
    ret = read_return(path, key=KEY)
    warn = [p for p in ret.problems if p.rule == "doc.unsigned"]
    assert warn and warn[0].severity == "Cảnh báo" and "chưa có chữ ký" in warn[0].message
    err = _refused(path, unsigned="error")
    assert err.code == "doc.unsigned"
    # A template made before signatures (no signature name at all) is recognised the same way.
    old = rewrite_zip(data, {"xl/workbook.xml": lambda x: re.sub(rb'<definedName name="XLCCHC_SIGNATURE">[^<]*</definedName>', b"", x)})
    old = _meta_edit(old, "layout", layout_hash(_Book(_Package("x", old)).names))
    ret = read_return(_write(tmp_path, old, "old.xlsx"), key=KEY)
    assert [p.rule for p in ret.problems if p.rule.startswith("doc.")] == ["doc.unsigned"]


def test_a_template_signed_with_another_key_is_refused(tmp_path):
    other = SigningKey(b"\x01" * 32)
    err = _refused(_write(tmp_path, filled()), key=other)
    assert err.code == "doc.signature_key" and "khóa mẫu công khai" in str(err) and other.key_id in str(err)


@pytest.mark.parametrize("garbage", ["v1.abc", "x" * 40, "v2." + "0" * 100])
def test_a_garbled_signature_is_refused(tmp_path, garbage):
    err = _refused(_write(tmp_path, _meta_edit(filled(), "signature", garbage)))
    assert err.code == "doc.signature"


def _forged(sig: str, part: int, char: str) -> str:
    """The signature with the first character of its part `part` (2: the MAC, 3: the field tags) replaced."""
    parts = sig.split(".")
    parts[part] = char + parts[part][1:]
    return ".".join(parts)


def _other(text: str) -> str:
    return "0" if text[0] != "0" else "1"


@pytest.mark.parametrize("part", [2, 3])
def test_a_signature_part_with_a_non_ascii_character_gets_the_verdict_of_an_ascii_forgery(part):
    """compare_digest raises TypeError on a str holding a non-ASCII character; the tags are compared only
    when the MAC does not match, so a field is changed too."""
    meta = {k: f"v-{k}" for k in SIGNED_KEYS}
    sig = sign(meta, KEY)
    edited = {**meta, SIGNED_KEYS[0]: "x"}
    for m in (meta, edited):
        ascii_forgery = verify(m, _forged(sig, part, _other(sig.split(".")[part])), KEY)
        assert verify(m, _forged(sig, part, "é"), KEY) == ascii_forgery
    assert not verify(edited, _forged(sig, 3, "é"), KEY).ok


def test_a_return_whose_mac_holds_a_non_ascii_character_is_refused_as_forged(tmp_path):
    """Such a return was reported as unreadable "(TypeError)" instead of as a forged signature."""
    data = filled()
    strings = zipfile.ZipFile(io.BytesIO(data)).read("xl/sharedStrings.xml").decode()
    real = re.search(r"v1\.[0-9a-f]+\.[0-9a-f]+\.[0-9a-f]+", strings).group(0)
    ascii_forgery = _refused(_write(tmp_path, _meta_edit(data, "signature", _forged(real, 2, _other(real.split(".")[2])))))
    err = _refused(_write(tmp_path, _meta_edit(data, "signature", _forged(real, 2, "é"))))
    assert ascii_forgery.code == err.code == "doc.signature" and str(err) == str(ascii_forgery)


def test_every_signed_field_changes_the_verdict():
    meta = {k: f"v-{k}" for k in SIGNED_KEYS}
    sig = sign(meta, KEY)
    assert verify(meta, sig, KEY).ok
    for k in SIGNED_KEYS:
        v = verify({**meta, k: meta[k] + "x"}, sig, KEY)
        assert not v.ok and v.changed == (k,), k


def test_key_is_created_once_in_the_profile_and_found_again(tmp_path, monkeypatch):
    from xlcchc.signing import profile_key_path, signing_key

    monkeypatch.delenv("XLCCHC_KEY_FILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("APPDATA", str(tmp_path / "cfg"))
    assert find_key() is None
    k1 = signing_key()
    assert profile_key_path().exists() and (profile_key_path().stat().st_mode & 0o077) == 0
    assert find_key().secret == k1.secret == signing_key().secret and not k1.is_sample


def test_merge_refuses_the_tampered_return_and_completes(tmp_path):
    from xlcchc.merge import merge_folder

    folder = tmp_path / "in"
    folder.mkdir()
    _write(folder, filled("SNV"), "snv.xlsx")
    _write(folder, _meta_edit(filled("SNV", seed=2), "unit", "STP"), "stp_forged.xlsx")
    fig = merge_folder(folder, tmp_path / "TONG_HOP.xlsx", key=KEY)
    by_file = {s.file: s for s in fig.status if s.file}
    assert by_file["stp_forged.xlsx"].status == "Không hợp lệ"
    assert "mã đơn vị (nay ghi “STP”)" in by_file["stp_forged.xlsx"].detail
    assert by_file["snv.xlsx"].status != "Không hợp lệ"


def test_signed_return_survives_libreoffice_and_openpyxl_round_trips(tmp_path):
    from xlcchc.office import recalculate

    src = _write(tmp_path, filled())
    wb = openpyxl.load_workbook(src)
    wb.save(tmp_path / "openpyxl.xlsx")
    ret = read_return(tmp_path / "openpyxl.xlsx", key=KEY)
    assert not [p for p in ret.problems if p.rule.startswith("doc.")]
    lo = recalculate(src, tmp_path / "lo")
    ret = read_return(lo, key=KEY)
    assert not [p for p in ret.problems if p.rule.startswith("doc.")]
    assert ret.unit == "SNV" and ret.period == "2022-N"


def test_identical_figures_from_different_units_are_a_warning_on_the_status_sheet(tmp_path):
    from xlcchc.merge import merge_folder

    folder = tmp_path / "in"
    folder.mkdir()
    _write(folder, filled("H-BA-THUOC", seed=3), "bt.xlsx")
    _write(folder, filled("H-CAM-THUY", seed=3), "ct.xlsx")  # the same figures typed into another district template
    _write(folder, filled("H-DONG-SON", seed=4), "ds.xlsx")
    out = tmp_path / "TONG_HOP.xlsx"
    fig = merge_folder(folder, out, key=KEY)
    by_unit = {s.unit: s for s in fig.status if s.file}
    assert "Số liệu giống hệt báo cáo của" in by_unit["H-BA-THUOC"].detail and "Cẩm Thủy" in by_unit["H-BA-THUOC"].detail
    assert "Số liệu giống hệt" in by_unit["H-CAM-THUY"].detail and "Số liệu giống hệt" not in by_unit["H-DONG-SON"].detail
    assert by_unit["H-BA-THUOC"].warnings >= 1
    assert sorted(f.unit for f in fig.findings if f.rule == "merge.copied") == ["H-BA-THUOC", "H-CAM-THUY"]
    wb = openpyxl.load_workbook(out, read_only=True)
    texts = [str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c]
    assert any("Số liệu giống hệt báo cáo của" in t for t in texts)



def test_a_commune_leading_plan_tasks_keeps_its_official_code_and_signature(tmp_path):
    """A two-tier commune has both an official code and plan tasks: their metadata rows must not collide.

    (They once shared a row of the metadata sheet: the plan's value overwrote the official code, and every
    commune's return failed its signature where the key is.)"""
    from xlcchc.catalog.load import load_catalog, registry_of
    from xlcchc.periods import parse_period
    from xlcchc.template import template_bytes
    from xlcchc.template_tasks import task_layout
    from xlcchc.template_units import templates_for_units

    cat = load_catalog("tinh-2025")
    period = parse_period("Năm 2026")
    communes = [u for u in registry_of(cat).reporting_units() if u.official_code is not None][:2]
    assert len(communes) == 2 and all(task_layout(cat, u, period) for u in communes)  # the case: code and tasks
    built = [(communes[0], template_bytes(cat, communes[0], period, key=KEY)),
             *templates_for_units(cat, communes[1:], period, key=KEY)]
    for unit, data in built:
        path = _write(tmp_path, data, f"{unit.code}.xlsx")
        assert read_return(path, key=KEY).unit == unit.code  # the signature verifies
        wb = openpyxl.load_workbook(path)
        for key, want in (("official_code", str(unit.official_code)), (layout.PLAN_META, None)):
            sheet, ref = next(iter(wb.defined_names[layout.meta_name(key)].destinations))
            got = wb[sheet][ref.replace("$", "")].value
            assert got == want if want else (got and ":" in got)


def _key_file_refusal(path) -> str:
    """The sentence `read_key_file` refuses `path` with, read in a child with a timeout and 1 GiB of memory:
    the old reader read /dev/zero until memory ran out and blocked forever on a FIFO."""
    import subprocess
    import sys

    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))\n"
            "from xlcchc.signing import SigningKeyError, read_key_file\n"
            "try:\n    read_key_file(sys.argv[1])\nexcept SigningKeyError as e:\n    print(e)\n")
    try:
        r = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, encoding="utf-8",
                           cwd=ROOT, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"reading the key file {path} blocked")
    assert r.returncode == 0, r.stderr[-500:]
    return r.stdout.strip()


def test_a_key_file_that_is_a_device_a_fifo_or_a_directory_is_refused_without_reading_it(tmp_path):
    import os

    fifo = tmp_path / "khoa.key"
    os.mkfifo(fifo)
    for path in ("/dev/zero", fifo):
        said = _key_file_refusal(path)
        assert said == f"tệp khóa ký “{path}” không phải tệp dữ liệu thông thường", said
    assert _key_file_refusal(tmp_path) == f"“{tmp_path}” là một thư mục, không phải tệp khóa ký"


def test_a_key_file_that_is_binary_or_huge_is_refused_in_vietnamese(tmp_path):
    binary = tmp_path / "khoa.key"
    binary.write_bytes((ROOT / "samples" / "bao-cao-2022" / "BC_CCHC_2022_SNV.xlsx").read_bytes())
    huge = tmp_path / "lon.key"
    huge.write_text(sample_key().secret.hex() + "\n" + "#" * 10_000_000 + "\n", encoding="utf-8")
    for path in (binary, huge):
        said = _key_file_refusal(path)
        assert said == f"tệp khóa ký “{path}” không đúng dạng (cần một dòng 64 chữ số thập lục phân)", said
