"""`xlcchc catalog …`: the catalog as a person reads it, or as JSON for other tools."""

from __future__ import annotations

import json

from . import DEFAULT_REGIME, available_regimes, load_catalog, registry_of


def _catalog(args):
    """The regime asked, else the one in force for --period, else today's default (tinh-2022)."""
    from .select import choose_regime

    return load_catalog(choose_regime(args.regime, getattr(args, "period", None), default=DEFAULT_REGIME))


def cli_show(args) -> int:
    cat = _catalog(args)
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
        "plan_tasks": f"số nhiệm vụ của kế hoạch (kỳ không có kế hoạch: lấy của {a.lead})",
        "plan_done": f"số nhiệm vụ đã hoàn thành theo dõi từ các đơn vị (kỳ không có kế hoạch: lấy của {a.lead})",
        "share_yes": f"tỷ lệ {by} trả lời Có",
        "none": "cơ quan tổng hợp nhập",
    }[a.method]


def cli_regimes(args) -> int:
    for r in available_regimes():
        c = load_catalog(r)
        print(f"{r:<12} {c.title} ({len(c.value_indicators())} chỉ tiêu, {len(c.rules)} quy tắc)")
    return 0


def cli_units(args) -> int:
    if getattr(args, "province", None):
        from .registry_cli import province_registry

        reg = province_registry(args.province)
    else:
        reg = registry_of(_catalog(args))
    if args.json:
        print(json.dumps(reg.to_json(), ensure_ascii=False, indent=1))
        return 0
    print(reg.name)
    for u in reg.units:
        oc = "" if u.official_code is None else str(u.official_code)
        print(f"  {u.code:<22} {u.kind:<6} {oc:>6}  {u.name}")
    return 0


def changes_markdown(cat) -> str:
    """The table of a regime's differences from its base, for the Sở Nội vụ to confirm (docs/)."""
    def key(c):
        return (c.form or 99, c.code == "", [int(x) if x.isdigit() else x for x in c.code.split(".")], c.action)

    lines = [
        f"# Chế độ {cat.regime}: những thay đổi so với {cat.extends}",
        "",
        f"Tạo bởi `xlcchc catalog changes --regime {cat.regime} --markdown` từ `xlcchc/catalog/data/{cat.regime}.toml`"
        " (đừng sửa tay; sửa tệp TOML rồi tạo lại). Mã và số thứ tự các dòng giữ như năm 2022 để so sánh được"
        " qua các năm; dòng không còn thì bỏ, không đánh số lại.",
        "",
        f"Áp dụng {cat.in_force.text() if cat.in_force else ''}; danh mục đơn vị `{cat.registry}`.",
        "",
        f"| dòng | {cat.extends} | {cat.regime} | lý do |",
        "| --- | --- | --- | --- |",
    ]
    esc = lambda t: " ".join(str(t).split()).replace("|", "\\|") or "—"  # noqa: E731
    for c in sorted(cat.changes, key=key):
        row = f"Biểu mẫu {c.form}, mục {c.code}" if c.code else (f"Biểu mẫu {c.form}, {c.action}" if c.form else c.action)
        after = "(bỏ)" if c.action == "bỏ" else ("(bỏ quy tắc)" if c.action == "bỏ quy tắc" else c.after)
        before = "(chưa có)" if c.action == "thêm quy tắc" else c.before
        lines.append(f"| {row} | {esc(before)} | {esc(after)} | {esc(c.reason)} |")
    return "\n".join(lines) + "\n"


def cli_changes(args) -> int:
    cat = load_catalog(args.regime)
    if not cat.extends:
        print(f"Chế độ {cat.regime} không mở rộng chế độ nào (không có extends)")
        return 0
    if args.markdown:
        print(changes_markdown(cat), end="")
        return 0
    for c in cat.changes:
        print(f"[{c.action}] Biểu mẫu {c.form or '-'} {c.code}: {c.reason}")
    return 0
