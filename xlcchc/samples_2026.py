"""Sample returns of the two-tier province (regime tinh-2025, “Năm 2026”): every department and commune.

Nobody has printed 2026 figures yet, so the provincial figures start from the 2022 appendix (the same rows
keep their codes) and are split over today's units with the 2022 generator's rules (`samples.distribute`):
sums add up per unit, `a ≤ b` holds per unit, the lead agency carries the provincial figure. Sizes are
plausible rather than known: a merged department is the sum of the departments it merged, a commune's size
is drawn from its official code (deterministic), wards are larger than rural communes.

The bundle stays small: nothing of it is committed but its README (docs/samples-2026.md). The ~180 returns are
written on demand (`xlcchc samples --regime tinh-2025`, the demo) from one template per kind of unit
(`template_units`) filled through the same path as `xlcchc values import`; the same inputs give the same
bytes. Planted problems are of the same kinds as the 2022 set, plus those of the two-tier change: a return
on a 2022 template, a return of a commune merged away in 2025, a few communes that send nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
import tempfile
from pathlib import Path
from typing import Any

from .catalog.load import load_catalog, registry_of
from .catalog.models import Catalog, Registry, Unit
from .fileio import write_bytes
from .layout import STATUS_FINAL
from .numbers import fmt_vn
from .periods import parse_period
from .samples import (
    Sample,
    Target,
    UnitReturn,
    _cover,
    _lock_file_bytes,
    _scaled,
    distribute,
    fill_return,
    load_target,
    overtype_rate,
    plant_typing,
    planted_table,
    with_draft,
)

REGIME = "tinh-2025"
PERIOD = "2026-N"
SEED = 2026
RETURNS_DIR = "bao-cao-2026"

#: 2022 departments merged into today's (sizes add up).
MERGED = {"SNV": ("SNV", "SLDTBXH"), "STC": ("STC", "SKHDT"), "SNNMT": ("SNNPTNT", "STNMT"),
          "SXD": ("SXD", "SGTVT"), "SKHCN": ("SKHCN", "STTTT"), "SDTTG": ("BDT",),
          "TTPVHCC": (), "CAT": ()}

# Sample data: the units the planted problems touch.
NOT_SENT = ("X-MUONG-LY", "X-TRUNG-THANH", "X-NHI-SON")
TYPO_UNIT, TYPO_NUM, TYPO_DEN = "P-HAC-THANH", "3:3.3.2", "3:3.3.1"
OVERTYPED_UNIT, OVERTYPED_KEY, OVERTYPED_VALUE = "P-SAM-SON", "3:3.3", 100
TEXT_UNIT, TEXT_KEY = "P-DONG-QUANG", "3:3.3.1"
EQ_NOTE_UNIT, EQ_NOTE_KEY = "X-CAC-SON", "3:3.3.1"
EQ_NOTE = "=> Số liệu lấy từ Hệ thống thông tin giải quyết TTHC của tỉnh, gồm cả hồ sơ nộp trực tuyến"
TWICE_UNIT = "P-BIM-SON"
STALE_UNIT, STALE_PERIOD = "X-QUANG-CHIEU", "2026-6T"
DAMAGED_UNIT = "SXD"
LOCK_UNIT = "SNV"
OLD_REGIME_UNIT = "SNV"  # sent on the 2022 template (regime tinh-2022) by mistake
MERGED_AWAY = ("X-XUAN-HONG", "UBND xã Xuân Hồng")  # Thọ Xuân's commune, merged in 2025 (tho-xuan-2024)
MERGED_AWAY_REGISTRY = "tho-xuan-2024"


def merged_away_unit(registry: Registry) -> Unit:
    """The commune merged away in 2025, as the district-era list had it, under today's province."""
    from .catalog.load import load_registry

    old = load_registry(MERGED_AWAY_REGISTRY).by_code[MERGED_AWAY[0]]
    return old.model_copy(update={"parent": registry.top})


def file_name(unit: str, suffix: str = "") -> str:
    return f"BC_CCHC_2026_{unit}{suffix}.xlsx"


def _unit_rng(u: Unit) -> random.Random:
    key = f"{SEED}:{u.official_code or u.code}".encode()
    return random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))


def sizes_2026(registry: Registry, sizes_2022: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """Relative sizes of today's units: merged departments add up, communes drawn, wards larger."""
    out: dict[str, dict[str, float]] = {}
    for u in registry.reporting_units():
        if u.kind == "so":
            olds = MERGED.get(u.code, (u.code,))
            ho_so = sum(float(sizes_2022.get(o, {}).get("ho_so", 0)) for o in olds) or 2.0
            bo_may = sum(float(sizes_2022.get(o, {}).get("bo_may", 0)) for o in olds) or 1.0
            out[u.code] = {"ho_so": ho_so, "bo_may": bo_may}
        else:
            rng = _unit_rng(u)
            ward = u.name.startswith("Phường")
            base = rng.lognormvariate(math.log(35.0), 0.45)
            out[u.code] = {"ho_so": round(base * (3.0 if ward else 1.0), 2),
                           "bo_may": round(base * (1.6 if ward else 1.0) * rng.uniform(0.8, 1.2), 2)}
    return out


#: Notes of the 2022 appendix that a 2026 return cannot say: they speak of the districts or cite the
#: decisions of 2020–2022 as the year's own (the other notes describe figures that the 2026 samples keep).
NOTES_NOT_CARRIED = {
    "4:3.1",  # the 2021 and 2022 decisions assigning staff numbers
    "7:1",  # the 2020 e-government architecture decision, as the year's document
    "7:2",  # 600 video-conference points "… UBND cấp huyện …; 559 … UBND cấp xã" (559 communes before 2025)
}


def target_2026(catalog: Catalog, registry: Registry) -> Target:
    """The 2026 provincial figures to split: the 2022 appendix's figures of the rows that remain."""
    t22 = load_target()
    values = {k: v for k, v in t22.values.items() if k in catalog.indicators}
    # A code list that lost an answer: the highest answer left (7:2 has no “3 cấp” without districts).
    for key, v in values.items():
        ind = catalog.indicators[key]
        if ind.kind == "choice" and isinstance(v, (int, float)) and v not in [c.value for c in ind.choices]:
            values[key] = max(c.value for c in ind.choices)
    notes = {k: v for k, v in t22.notes.items() if k in catalog.indicators and k not in NOTES_NOT_CARRIED}
    return Target(REGIME, PERIOD, values, notes, sizes_2026(registry, t22.sizes))


def returns_2026(seed: int = SEED) -> tuple[Catalog, Registry, dict[str, UnitReturn]]:
    """Every unit's figures (the communes not sent included: they are left out when writing)."""
    catalog = load_catalog(REGIME)
    registry = registry_of(catalog)
    rets = distribute(catalog, registry, target_2026(catalog, registry), seed=seed, missing="")
    return catalog, registry, rets


def _plant_typo(rets: dict[str, UnitReturn]) -> tuple[int, int]:
    """A ward types more on-time files than files resolved (the last two digits swapped)."""
    u = rets[TYPO_UNIT].values
    den = int(u[TYPO_DEN])
    s = str(den)
    typed = int(s[:-2] + s[-1] + s[-2]) if len(s) >= 2 and s[-1] > s[-2] else den + 9
    u[TYPO_NUM] = typed
    return typed, den


def generate(seed: int = SEED) -> tuple[dict[str, bytes], list[Sample]]:
    """All files of the 2026 sample folder (relative path → bytes) and the planted problems."""
    from .signing import sample_key
    from .template_units import templates_for_units

    # Signed with the published sample key, like the 2022 bundle: the same files on every machine, and never
    # with (or creating) the office's own key.
    key = sample_key()
    catalog, registry, rets = returns_2026(seed)
    period = parse_period(PERIOD)
    typed, den = _plant_typo(rets)
    true_text = plant_typing(rets, (TEXT_UNIT, TEXT_KEY), (EQ_NOTE_UNIT, EQ_NOTE_KEY, EQ_NOTE))
    rng = random.Random(seed + 1)
    files: dict[str, bytes] = {}
    planted: list[Sample] = []
    base = RETURNS_DIR + "/"
    units = registry.reporting_units()
    with tempfile.TemporaryDirectory(prefix="xlcchc-samples-2026-") as tmp:
        work = Path(tmp)

        def fill(unit: Unit, tpl: bytes, ret: UnitReturn, cover: dict, per: str = PERIOD, cat: Catalog = catalog,
                 unlisted: bool = False) -> bytes:
            src = work / f"tpl_{unit.code}_{per}.xlsx"
            src.write_bytes(tpl)
            data = fill_return(src, cat, unit, per, ret, cover, work, unlisted=unlisted)
            src.unlink()
            return data

        sent = [u for u in units if u.code not in NOT_SENT]
        for unit in units:
            if unit.code in NOT_SENT:
                planted.append(Sample("(không có tệp)", unit.code, f"{unit.name} không gửi báo cáo",
                                      "Tổng hợp: đơn vị “Chưa nộp”, không có số liệu trong tổng"))
        for unit, tpl in templates_for_units(catalog, sent, period, key=key):
            cover = _cover(rng, rng.randint(5, 15), STATUS_FINAL, 1, 2027)
            ret = rets[unit.code]
            if unit.code == TWICE_UNIT:
                draft, dcover = with_draft(ret, catalog, cover, final_on=dt.date(2027, 1, 14),
                                           draft_on=dt.date(2027, 1, 6), factor=0.9)
                files[base + file_name(unit.code, "_du_thao")] = fill(unit, tpl, draft, dcover)
                planted.append(Sample(file_name(unit.code, "_du_thao"), unit.code,
                                      "bản dự thảo cũ (06/01/2027, “Dự thảo”) bên cạnh báo cáo chính thức (14/01/2027)",
                                      f"Tổng hợp: dùng {file_name(unit.code)} (mới hơn, “Chính thức”), bản dự thảo “Trùng”, không cộng"))
            data = fill(unit, tpl, ret, cover)
            if unit.code == OVERTYPED_UNIT:
                data, sample = overtype_rate(data, catalog, unit.code, OVERTYPED_KEY, OVERTYPED_VALUE, file_name(unit.code))
                planted.append(sample)
            files[base + file_name(unit.code)] = data
            if unit.code == STALE_UNIT:
                stale = _scaled(ret, catalog, 0.5)
                from .template import template_bytes

                files[base + f"BC_CCHC_6thang2026_{unit.code}.xlsx"] = fill(
                    unit, template_bytes(catalog, unit, parse_period(STALE_PERIOD), key=key), stale,
                    _cover(rng, 8, STATUS_FINAL, 7, 2026), STALE_PERIOD)
        # A department's return on the 2022 template (regime tinh-2022) dropped into the 2026 folder.
        from .template import template_bytes

        old_cat = load_catalog("tinh-2022")
        old_unit = registry_of(old_cat).by_code[OLD_REGIME_UNIT]
        old_ret = UnitReturn(old_unit.code, {k: v for k, v in rets[OLD_REGIME_UNIT].values.items() if k in old_cat.indicators})
        files[base + f"BC_CCHC_2026_{OLD_REGIME_UNIT}_mau2022.xlsx"] = fill(
            old_unit, template_bytes(old_cat, old_unit, period, key=key), old_ret, _cover(rng, 9, STATUS_FINAL, 1, 2027),
            PERIOD, old_cat)
        # A commune merged away in 2025: a template made from an out-of-date list (Thọ Xuân's 2024 registry),
        # genuinely signed for that unit with the sample key, so the merge refuses it for the unit, not for
        # a broken signature. It types what a commune of today types (Xã Các Sơn's figures).
        gone = merged_away_unit(registry)
        files[base + file_name(gone.code)] = fill(
            gone, template_bytes(catalog, gone, period, key=key),
            UnitReturn(gone.code, dict(rets[EQ_NOTE_UNIT].values)), _cover(rng, 10, STATUS_FINAL, 1, 2027),
            unlisted=True)
    full = files[base + file_name(DAMAGED_UNIT)]
    files[base + file_name(DAMAGED_UNIT, " (1)")] = full[: len(full) * 11 // 20]
    files[base + "~$" + file_name(LOCK_UNIT)] = _lock_file_bytes("Le Thi Lan")
    planted += _planted_extras(typed, den, true_text)
    return files, planted


def _planted_extras(typed: int, den: int, true_text: Any) -> list[Sample]:
    """The planted problems besides the units' own returns: the typo, the text figure, the note starting with
    “=”, and the extra files (another period, the 2022 template, a merged-away commune, a damaged copy, a lock file)."""
    return [
        Sample(file_name(TYPO_UNIT), TYPO_UNIT,
               f"gõ nhầm: mục 3.3.2 (đúng hạn) = {fmt_vn(typed)} lớn hơn mục 3.3.1 (đã giải quyết) = {fmt_vn(den)}",
               "Kiểm tra: Lỗi 3-le-3.3.2-3.3.1; tổng hợp: đơn vị “Có lỗi”, số liệu vẫn được cộng"),
        Sample(file_name(TEXT_UNIT), TEXT_UNIT,
               f"mục 3.3.1 nhập dạng văn bản “{fmt_vn(true_text)}” (dấu chấm ngăn cách hàng nghìn)",
               f"Kiểm tra: cảnh báo cell.text_number; đọc đúng {true_text}"),
        Sample(file_name(EQ_NOTE_UNIT), EQ_NOTE_UNIT, "ghi chú mục 3.3.1 bắt đầu bằng dấu “=”",
               "Kiểm tra: cảnh báo cell.note_formula; ghi chú giữ nguyên là văn bản"),
        Sample(f"BC_CCHC_6thang2026_{STALE_UNIT}.xlsx", STALE_UNIT, "tệp thừa: báo cáo 6 tháng đầu năm 2026 của cùng đơn vị",
               "Tổng hợp: “Sai kỳ báo cáo”, không cộng"),
        Sample(f"BC_CCHC_2026_{OLD_REGIME_UNIT}_mau2022.xlsx", OLD_REGIME_UNIT,
               "báo cáo năm 2026 nhập trên biểu mẫu cũ của năm 2022 (chế độ tinh-2022, còn dòng cấp huyện)",
               "Tổng hợp: “Không hợp lệ” (biểu mẫu của chế độ tinh-2022), không cộng; số liệu lấy từ báo cáo đúng mẫu"),
        Sample(file_name(MERGED_AWAY[0]), MERGED_AWAY[0],
               f"báo cáo của {MERGED_AWAY[1]}, đơn vị đã sáp nhập năm 2025 (không còn trong danh mục), trên biểu "
               "mẫu tạo từ danh mục cũ, chữ ký hợp lệ",
               "Tổng hợp: “Không hợp lệ” (đơn vị không còn trong danh mục, có thể đã sáp nhập), không cộng"),
        Sample(file_name(DAMAGED_UNIT, " (1)"), DAMAGED_UNIT, "bản sao bị cắt cụt (55% dung lượng)",
               "Tổng hợp: “Không hợp lệ”, không làm dừng các tệp khác"),
        Sample("~$" + file_name(LOCK_UNIT), LOCK_UNIT, "tệp khóa “~$” do Excel để lại", "Tổng hợp: bỏ qua"),
    ]


def readme(planted: list[Sample], catalog: Catalog, registry: Registry) -> str:
    n_units = len(registry.reporting_units())
    n_xa = sum(u.kind == "xa" for u in registry.reporting_units())
    lines = [
        "# Bộ báo cáo mẫu năm 2026 (tỉnh hai cấp, chế độ tinh-2025)",
        "",
        "Tạo bởi `xlcchc samples --regime tinh-2025` (đừng sửa tay). Để bộ mẫu nhỏ, chỉ tệp này được lưu "
        "(docs/samples-2026.md); các tệp báo cáo được tạo lại khi cần (mặc định vào `out/samples-2026/"
        f"{RETURNS_DIR}/`; `xlcchc demo` tạo vào `out/demo/nam-2026/`), cùng đầu vào cho đúng từng byte như cũ.",
        "",
        f"Báo cáo năm 2026 (kỳ `{PERIOD}`, chế độ `{catalog.regime}`) của {n_units - len(NOT_SENT)}/{n_units} đơn vị "
        f"trong danh mục `{registry.id}`: {n_units - n_xa} sở, ngành và {n_xa} xã, phường (danh mục hành chính "
        "từ gói vietnam-provinces). Chưa có số liệu 2026 được công bố, nên số toàn tỉnh lấy theo Phụ lục năm 2022 "
        "ở các dòng còn giữ, chia cho các đơn vị theo quy mô: sở hợp nhất = tổng các sở cũ; quy mô mỗi xã rút "
        "ngẫu nhiên (cố định theo mã đơn vị hành chính), phường lớn hơn xã.",
        "",
        *planted_table(planted),
    ]
    return "\n".join(lines)


def write_samples(output: Path | str, seed: int = SEED) -> list[Path]:
    """The README and the returns under output/bao-cao-2026 (old returns no longer generated removed)."""
    output = Path(output)
    files, planted = generate(seed)
    catalog = load_catalog(REGIME)
    files["README-2026.md"] = readme(planted, catalog, registry_of(catalog)).encode("utf-8")
    written = [write_bytes(output / rel, data) for rel, data in sorted(files.items())]
    keep = {output / rel for rel in files}
    for p in sorted((output / RETURNS_DIR).iterdir()):
        if p.is_file() and p not in keep:
            p.unlink()
    return written


def cli_samples(args) -> int:
    from .errors import XlcchcError

    if args.regime != REGIME:
        raise XlcchcError(f"Chỉ có bộ báo cáo mẫu của chế độ tinh-2022 (năm 2022) và {REGIME} (năm 2026), không có “{args.regime}”")
    # Not into samples/ (that folder is the 2022 bundle, compared byte for byte with its generator).
    output = "out/samples-2026" if args.output in ("samples", "samples/") else args.output
    paths = write_samples(output)
    n = sum(1 for p in paths if p.suffix == ".xlsx" and not p.name.startswith("~$"))
    print(f"Đã tạo {n} tệp báo cáo mẫu năm 2026 trong “{Path(output) / RETURNS_DIR}” và "
          f"{Path(output) / 'README-2026.md'} (bản lưu: docs/samples-2026.md)")
    return 0
