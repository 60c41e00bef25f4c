"""`xlcchc catalog …`: the catalog as a person reads it, or as JSON for other tools."""

from __future__ import annotations

import json

from . import DEFAULT_REGIME, available_regimes, load_catalog, registry_of


def cli_show(args) -> int:
    cat = load_catalog(args.regime or DEFAULT_REGIME)
    if args.json:
        print(json.dumps(cat.to_json(), ensure_ascii=False, indent=1))
        return 0
    print(f"{cat.title}\nChế độ báo cáo: {cat.regime} · mã nhận dạng {cat.fingerprint}\n")
    for f in cat.forms:
        print(f"Biểu mẫu {f.number}. {f.title}")
        for i in f.indicators:
            unit = " / ".join(i.unit.splitlines())
            agg = "" if i.kind == "heading" else f"  [{_agg_text(i.aggregate)}]"
            print(f"  {i.printed_stt:<8} {' '.join(i.label.split())[:90]}  ({unit or '—'}){agg}")
        rules = [r for r in cat.rules_of(f.number) if r.kind in ("sum", "ratio", "compare")]
        if rules:
            print("  Quy tắc:")
            for r in rules:
                print(f"   - [{r.severity}] {r.message}")
        print()
    return 0


def _agg_text(a) -> str:
    by = ",".join(a.filled_by)
    return {
        "sum": f"cộng {by}",
        "total": "tổng các dòng Trong đó",
        "ratio": f"tỷ lệ {a.numerator}/{a.denominator}",
        "lead": f"lấy của {a.lead}" + (f"; {by} nhập riêng" if by else ""),
        "share_yes": f"tỷ lệ {by} trả lời Có",
        "none": "cơ quan tổng hợp nhập",
    }[a.method]


def cli_regimes(args) -> int:
    for r in available_regimes():
        c = load_catalog(r)
        print(f"{r:<12} {c.title} ({len(c.value_indicators())} chỉ tiêu, {len(c.rules)} quy tắc)")
    return 0


def cli_units(args) -> int:
    reg = registry_of(load_catalog(args.regime or DEFAULT_REGIME))
    if args.json:
        print(json.dumps(reg.to_json(), ensure_ascii=False, indent=1))
        return 0
    print(reg.name)
    for u in reg.units:
        print(f"  {u.code:<22} {u.kind:<6} {u.name}")
    return 0
