"""The two-tier Thanh Hóa registry against the official list (the vietnam-provinces package), not a copy."""

from __future__ import annotations

import re

import pytest
from vietnam_provinces import ProvinceCode, VietNamDivisionType, Ward

from xlcchc.catalog import CatalogError, load_registry
from xlcchc.catalog.load import load_registry_file

from .conftest import seeds_dir


def test_thanh_hoa_2025_holds_exactly_the_official_communes():
    reg = load_registry("thanh-hoa-2025")
    lib = {int(w.code): w for w in Ward.iter_by_province(ProvinceCode.P_38)}
    communes = [u for u in reg.units if u.kind == "xa"]
    assert {u.official_code: u.name for u in communes} == {c: w.name for c, w in lib.items()}
    kinds = [lib[u.official_code].division_type for u in communes]
    assert kinds.count(VietNamDivisionType.XA) == 147 and kinds.count(VietNamDivisionType.PHUONG) == 19
    assert len(communes) == len(lib) == 166
    assert all(u.parent == reg.top for u in communes)
    # readable codes for file and defined names, unique, and the example of the issue
    assert all(re.fullmatch(r"[A-Z0-9-]+", u.code) for u in reg.units)
    assert reg.by_code["X-CAC-SON"].official_code == 16591 and reg.by_code["X-CAC-SON"].name == "Xã Các Sơn"
    assert all(u.code.startswith("P-") == u.name.startswith("Phường") for u in communes)


def test_merged_departments_and_plan_leads_are_listed_with_a_source_note():
    reg = load_registry("thanh-hoa-2025")
    depts = [u for u in reg.units if u.kind == "so"]
    names = {u.name for u in depts}
    for name in ("Sở Nội vụ", "Sở Tài chính", "Sở Khoa học và Công nghệ", "Sở Nông nghiệp và Môi trường", "Sở Xây dựng",
                 "Sở Dân tộc và Tôn giáo", "Văn phòng UBND tỉnh", "Trung tâm Phục vụ hành chính công tỉnh",
                 "Thanh tra tỉnh", "Công an tỉnh"):
        assert name in names
    # merged away in 2025: no longer units
    for gone in ("Sở Kế hoạch và Đầu tư", "Sở Giao thông vận tải", "Sở Tài nguyên và Môi trường",
                 "Sở Thông tin và Truyền thông", "Ban Dân tộc"):
        assert gone not in names
    assert all(u.note for u in depts)
    # the lead bodies are written as seed 002's task table writes them
    seed = next(seeds_dir().glob("002_*.txt"))
    text = " ".join(seed.read_text(encoding="utf-8").split())
    for code in ("VPUBND", "TTPVHCC", "TTT", "CAT", "SNV", "STC", "SKHCN", "STP", "SYT"):
        assert reg.by_code[code].name in text


def _write(tmp_path, body: str):
    p = tmp_path / "reg.toml"
    p.write_text('id = "x"\nname = "Thử"\ntop = "TINH"\n[[unit]]\ncode = "TINH"\nname = "UBND tỉnh"\nkind = "tinh"\n'
                 + body, encoding="utf-8")
    return p


def test_a_registry_with_a_duplicated_or_unknown_official_code_is_refused(tmp_path):
    dup = ('[[unit]]\ncode = "X-A"\nname = "Xã Các Sơn"\nkind = "xa"\nparent = "TINH"\nofficial_code = 16591\n'
           '[[unit]]\ncode = "X-B"\nname = "Xã B"\nkind = "xa"\nparent = "TINH"\nofficial_code = 16591\n')
    with pytest.raises(CatalogError, match=r"reg\.toml: mã đơn vị hành chính 16591 bị trùng .*X-A.*X-B"):
        load_registry_file(_write(tmp_path, dup))
    unknown = '[[unit]]\ncode = "X-C"\nname = "Xã C"\nkind = "xa"\nparent = "TINH"\nofficial_code = 99999\n'
    with pytest.raises(CatalogError, match=r"reg\.toml: đơn vị “X-C” \(Xã C\) có mã đơn vị hành chính 99999 không có"):
        load_registry_file(_write(tmp_path, unknown))
    with pytest.raises(CatalogError, match=r"reg\.toml: Không có tỉnh, thành phố “Thanh Hoá Mới”"):
        load_registry_file(_write(tmp_path, '[communes]\nprovince = "Thanh Hoá Mới"\n'))


def test_registry_new_writes_any_province_that_loads_like_a_bundled_one(tmp_path, capsys):
    import json

    from xlcchc.cli import main

    out = tmp_path / "ha-noi.toml"
    assert main(["registry", "new", "--province", "Hà Nội", "-o", str(out)]) == 0
    reg = load_registry_file(out)
    lib = {int(w.code): w.name for w in Ward.iter_by_province(ProvinceCode.P_01)}
    assert {u.official_code: u.name for u in reg.units if u.kind == "xa"} == lib
    assert reg.by_code[reg.top].name == "UBND thành phố Hà Nội" and "SNV" in reg.by_code
    # by code as well as by name, and the listing without writing
    capsys.readouterr()
    assert main(["catalog", "units", "--province", "38", "--json"]) == 0
    units = json.loads(capsys.readouterr().out)
    assert sum(u["kind"] == "xa" for u in units) == 166
    assert all(set(u) == {"code", "name", "kind", "parent", "official_code"} for u in units)
    assert main(["registry", "new", "--province", "Tỉnh Không Có", "-o", str(tmp_path / "x.toml")]) == 2
    assert "Không có tỉnh, thành phố “Tỉnh Không Có”" in capsys.readouterr().err
    assert not (tmp_path / "x.toml").exists()


def test_catalog_units_of_a_regime_as_json(capsys):
    import json

    from xlcchc.cli import main

    assert main(["catalog", "units", "--regime", "tinh-2025", "--json"]) == 0
    units = json.loads(capsys.readouterr().out)
    assert {"code": "X-CAC-SON", "name": "Xã Các Sơn", "kind": "xa", "parent": "TINH", "official_code": 16591} in units


def test_every_province_registry_loads_with_unique_readable_codes(tmp_path):
    """Communes whose names differ only by diacritics (Văn Lăng / Văn Lang) still get distinct codes."""
    from vietnam_provinces import Province

    from xlcchc.catalog.registry_cli import province_registry

    total = 0
    for p in Province.iter_all():
        reg = province_registry(int(p.code))
        codes = [u.code for u in reg.units]
        assert len(codes) == len(set(codes)) and all(re.fullmatch(r"[A-Z0-9-]+", c) for c in codes), p.name
        total += sum(u.kind == "xa" for u in reg.units)
    assert total == sum(1 for _ in Ward.iter_all())
    tn = province_registry("Thái Nguyên")
    assert {u.code for u in tn.units if u.name in ("Xã Văn Lăng", "Xã Văn Lang")} == {
        f"X-VAN-LANG-{u.official_code}" for u in tn.units if u.name in ("Xã Văn Lăng", "Xã Văn Lang")}
