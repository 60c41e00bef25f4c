"""The official list of provinces and commune-level units, from the `vietnam-provinces` package.

No commune name is typed by hand: the package carries the national statistics office's list after the
2025 reorganisation (34 provinces and cities, ~3,300 xã / phường / đặc khu, each with its official code,
mã đơn vị hành chính). A registry says `[communes] province = 38` and its communes come from here.

The code a unit is known by in file names and defined names is derived from the package's ASCII
`codename` (`xa_cac_son` → `X-CAC-SON`, `phuong_hac_thanh` → `P-HAC-THANH`): readable, stable as long as
the official name is, and unique within a province; the official code travels beside it (`official_code`).
The package is imported only when a registry needs it (its lookup table costs ~150 ms to import).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..errors import XlcchcError
from .models import Unit

#: codename prefix → code prefix and the kind of division, as people write it
_PREFIX = {"xa_": ("X-", "Xã"), "phuong_": ("P-", "Phường"), "dac_khu_": ("DK-", "Đặc khu")}


class ProvinceError(XlcchcError):
    """A province (or commune) the official list does not know; the message is for the person who typed it."""


def _fold(s: str) -> str:
    s = s.replace("đ", "d").replace("Đ", "D")
    s = unicodedata.normalize("NFD", s)
    return " ".join("".join(c for c in s if unicodedata.category(c) != "Mn").lower().split())


def _lib():
    from vietnam_provinces import Province, Ward  # noqa: PLC0415 - heavy, only when a registry needs it

    return Province, Ward


@lru_cache(maxsize=None)
def all_provinces() -> tuple:
    """The 34 provinces and centrally-run cities, by official code."""
    Province, _ = _lib()
    return tuple(sorted(Province.iter_all(), key=lambda p: int(p.code)))


def province_code_name(p) -> str:
    """The readable code of a province (`THANH-HOA`, `HA-NOI`, `HO-CHI-MINH`)."""
    return p.codename.upper().replace("_", "-")


def province_label(p) -> str:
    """`Tỉnh Thanh Hóa`, `Thành phố Hà Nội` (the package already writes the latter in full)."""
    return p.name if p.name.startswith("Thành phố") else f"Tỉnh {p.name}"


def find_province(ref: str | int):
    """A province by official code (`38`), readable code (`THANH-HOA`) or name, with or without diacritics
    or “Tỉnh”/“Thành phố” (`Thanh Hóa`, `thanh hoa`, `TP Hồ Chí Minh`)."""
    text = str(ref).strip()
    provs = all_provinces()
    if re.fullmatch(r"\d{1,2}", text):
        for p in provs:
            if int(p.code) == int(text):
                return p
    else:
        want = _fold(text)
        want = re.sub(r"^(tinh|thanh pho|tp\.?)\s+", "", want)
        for p in provs:
            name = re.sub(r"^thanh pho\s+", "", _fold(p.name))
            if want in (name, p.codename.replace("_", " "), _fold(province_code_name(p)).replace("-", " ")):
                return p
    listing = ", ".join(f"{int(p.code)} {p.name}" for p in provs)
    raise ProvinceError(f"Không có tỉnh, thành phố “{text}” trong danh mục hành chính (34 tỉnh, thành phố: {listing})")


def commune_code(ward) -> str:
    """The readable code of a commune-level unit, from its official ASCII codename."""
    for prefix, (code, _) in _PREFIX.items():
        if ward.codename.startswith(prefix):
            return code + ward.codename[len(prefix):].upper().replace("_", "-")
    return "X-" + ward.codename.upper().replace("_", "-")


def division_of(ward) -> str:
    for prefix, (_, label) in _PREFIX.items():
        if ward.codename.startswith(prefix):
            return label
    return "Xã"


@lru_cache(maxsize=None)
def wards_of(province_code: int) -> tuple:
    _, Ward = _lib()
    return tuple(sorted(Ward.iter_by_province(int(province_code)), key=lambda w: int(w.code)))


@lru_cache(maxsize=None)
def ward_by_official_code() -> dict:
    _, Ward = _lib()
    return {int(w.code): w for w in Ward.iter_all()}


def communes_of(province_code: int, parent: str) -> list[Unit]:
    """Every commune-level unit of a province as registry units (kind `xa`), in official-code order.

    Two communes of a province may differ only by diacritics (Xã Văn Lăng, Xã Văn Lang share the ASCII name
    `xa_van_lang`); such codes get the official code appended (`X-VAN-LANG-5869`), so that each is unique and
    still stable. Thanh Hóa has no such pair.
    """
    from collections import Counter

    wards = wards_of(province_code)
    seen = Counter(commune_code(w) for w in wards)
    return [
        Unit(code=commune_code(w) + (f"-{int(w.code)}" if seen[commune_code(w)] > 1 else ""), name=w.name,
             kind="xa", parent=parent, official_code=int(w.code))
        for w in wards
    ]


def provinces_as_units(parent: str) -> list[Unit]:
    """The 34 provinces as reporting units of the national level (kind `tinh`)."""
    return [
        Unit(code=province_code_name(p), name=province_label(p), short=p.name.removeprefix("Thành phố "),
             kind="tinh", parent=parent,
             official_code=int(p.code))
        for p in all_provinces()
    ]
