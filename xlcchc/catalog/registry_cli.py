"""`xlcchc registry new --province …`: a registry TOML for any of the 34 provinces, ready to edit.

Communes come from the official list (vietnam-provinces), each written with its official code so that the
loader can check them; departments are the standard post-2025 list (`units/departments-2025.toml`), a
starting point the province edits. The file written loads like the bundled registries.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..fileio import write_bytes
from .load import CatalogError, load_registry, load_registry_file
from .models import Registry, Unit
from .provinces import communes_of, find_province, province_code_name


def _cap(p) -> tuple[str, str]:
    city = p.name.startswith("Thành phố")
    return ("thành phố", p.name[len("Thành phố "):]) if city else ("tỉnh", p.name)


def province_registry(ref: str | int) -> Registry:
    """The starting registry of a province: its consolidating unit, standard departments, every commune."""
    p = find_province(ref)
    cap, ten = _cap(p)
    std = load_registry("departments-2025")

    def fill(text: str | None) -> str | None:
        return None if text is None else text.format(cap=cap, Cap=cap[0].upper() + cap[1:], ten=ten)

    units = [
        u.model_copy(update={"name": fill(u.name), "short": fill(u.short),
                             "official_code": int(p.code) if u.code == std.top else None})
        for u in std.units
    ]
    units += communes_of(int(p.code), std.top)
    return Registry(id=f"{province_code_name(p).lower()}-2025", name=f"{cap.capitalize()} {ten} (từ 01/7/2025)",
                    top=std.top, units=units, province=int(p.code))


def _toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a TOML basic string


def registry_toml(reg: Registry) -> str:
    from vietnam_provinces import __data_version__, __version__

    lines = [
        f"# Reporting units of {reg.name}, written by `xlcchc registry new` from vietnam-provinces {__version__}",
        f"# (data of {__data_version__}). Communes and wards: the official list with official codes (checked when",
        "# loaded: a code the list does not know, or one given twice, is refused). Departments: the standard list",
        "# after the 2025 mergers — edit it to the province's own bodies.",
        f"id = {_toml_str(reg.id)}",
        f"name = {_toml_str(reg.name)}",
        f"top = {_toml_str(reg.top)}",
        f"province = {reg.province}",
    ]
    for u in reg.units:
        lines += ["", "[[unit]]"]
        for key in ("code", "name", "short", "kind", "parent", "official_code", "note"):
            v = getattr(u, key)
            if v is None:
                continue
            lines.append(f"{key} = {v}" if isinstance(v, int) else f"{key} = {_toml_str(v)}")
    return "\n".join(lines) + "\n"


def cli_new(args) -> int:
    out = Path(args.output)
    if out.suffix.lower() != ".toml":
        raise CatalogError(f"Tệp danh mục phải có đuôi .toml: “{out.name}”")
    reg = province_registry(args.province)
    write_bytes(out, registry_toml(reg).encode("utf-8"))
    back = load_registry_file(out)  # what was written loads like a bundled registry
    n = sum(u.kind == "xa" for u in back.units)
    print(f"Đã ghi danh mục {back.name}: {len(back.units) - n - 1} sở, ngành và {n} xã, phường vào {out}")
    return 0
