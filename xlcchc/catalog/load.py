"""Find and load regimes and registries: the bundled files and a province's own (`$XLCCHC_CATALOG_DIR`).

`load_catalog` and `load_registry` give the validated `Catalog` and `Registry`, kept in the user's cache
(`catalog.cache`) so that compiling the TOML (`catalog.compile`, `load_catalog_file`) happens once per
change of the data files. A registry's `[communes]` and `[provinces]` come from the official list
(`catalog.provinces`); its official codes are checked against it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..errors import XlcchcError
from ..record import Invalid, valid
from .models import Catalog, Registry, Unit

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers know the name)
if TYPE_CHECKING:
    from typing import Any

DEFAULT_REGIME = "tinh-2022"


class CatalogError(XlcchcError):
    """A catalog or registry file that cannot be used; the message is for the person editing the file."""


def _data_dir(sub: str) -> Path:
    # The package's own folder, as `importlib.resources.files("xlcchc.catalog")` gives it for a package on
    # disk (the only way xlcchc is installed), without importing importlib.resources (≈ 40 M instructions,
    # a fifth of a cold `xlcchc check`).
    return Path(__file__).parent / sub


def _dirs(sub: str) -> list[Path]:
    """The bundled folder, then `$XLCCHC_CATALOG_DIR/<sub>` (a province's own regimes and registries)."""
    import os

    out = [_data_dir(sub)]
    extra = os.environ.get("XLCCHC_CATALOG_DIR")
    if extra:
        out.append(Path(extra) / sub)
    return out


def _find(sub: str, name: str) -> Path:
    for d in _dirs(sub):
        if (d / f"{name}.toml").exists():
            return d / f"{name}.toml"
    return _data_dir(sub) / f"{name}.toml"


def available_regimes() -> list[str]:
    return sorted({p.stem for d in _dirs("data") if d.is_dir() for p in d.glob("*.toml")})


@lru_cache(maxsize=None)
def load_catalog(regime: str = DEFAULT_REGIME) -> Catalog:
    path = _find("data", regime)
    if not path.exists():
        raise CatalogError(
            f"Không có chế độ báo cáo “{regime}”. Các chế độ hiện có: {', '.join(available_regimes())}"
        )
    from .cache import cached

    return cached("catalog", regime, lambda: _compiled(path))


@lru_cache(maxsize=None)
def load_registry(registry_id: str) -> Registry:
    path = _find("units", registry_id)
    if not path.exists():
        raise CatalogError(f"Không có danh mục đơn vị “{registry_id}”")
    from .cache import cached

    return cached("registry", registry_id, lambda: load_registry_file(path))


def registry_of(catalog: Catalog) -> Registry:
    return load_registry(catalog.registry)


def load_registry_file(path: Path) -> Registry:
    """A registry TOML: its `[[unit]]` rows, plus `[communes] province = N` expanded from the official list.

    Refused, naming the file and the unit: a duplicated code, a duplicated or unknown official code
    (one the official list does not have, or of another province), a parent or top that is not listed.
    """
    path = Path(path)
    data = read_toml(path)
    communes = data.pop("communes", None)
    provinces = data.pop("provinces", None)
    try:
        units = [valid(Unit, u) for u in data.pop("unit", [])]
        if communes is not None:
            units += _library_communes(path, communes, data)
        if provinces is not None:  # the national level: the 34 provinces from the official list
            from .provinces import provinces_as_units

            units += provinces_as_units(str(data.get("top", "")))
        reg = valid(Registry, units=units, **data)
    except (Invalid, TypeError) as e:
        raise CatalogError(f"{path.name}: danh mục đơn vị không hợp lệ: {_pyd(e)}") from None
    seen: set[str] = set()
    for u in reg.units:
        if u.code in seen:
            raise CatalogError(f"{path.name}: mã đơn vị “{u.code}” bị trùng")
        seen.add(u.code)
        if u.parent and u.parent not in {x.code for x in reg.units}:
            raise CatalogError(f"{path.name}: đơn vị “{u.code}” trực thuộc “{u.parent}” không có trong danh mục")
    if reg.top not in seen:
        raise CatalogError(f"{path.name}: đơn vị tổng hợp “{reg.top}” không có trong danh mục")
    _check_official_codes(path, reg)
    return reg


def _library_communes(path: Path, spec: Any, data: dict) -> list[Unit]:
    from .provinces import ProvinceError, communes_of, find_province

    if not isinstance(spec, dict) or set(spec) - {"province", "parent", "source"} or "province" not in spec:
        raise CatalogError(f"{path.name}: mục [communes] cần đúng khóa province (mã hoặc tên tỉnh), có thể thêm parent")
    try:
        prov = find_province(spec["province"])
    except ProvinceError as e:
        raise CatalogError(f"{path.name}: {e}") from None
    data.setdefault("province", int(prov.code))
    return communes_of(int(prov.code), str(spec.get("parent", data.get("top", ""))))


def _check_official_codes(path: Path, reg: Registry) -> None:
    """Commune and province official codes must be the official list's, each once."""
    coded = [u for u in reg.units if u.official_code is not None]
    if not coded:
        return
    from .provinces import all_provinces, ward_by_official_code

    wards = ward_by_official_code()
    provinces = {int(p.code): p for p in all_provinces()}
    owner: dict[int, str] = {}
    for u in coded:
        oc = u.official_code
        if oc in owner:
            raise CatalogError(
                f"{path.name}: mã đơn vị hành chính {oc} bị trùng (đơn vị “{owner[oc]}” và “{u.code}”)"
            )
        owner[oc] = u.code
        if u.kind == "xa":
            w = wards.get(oc)
            if w is None:
                raise CatalogError(
                    f"{path.name}: đơn vị “{u.code}” ({u.name}) có mã đơn vị hành chính {oc} không có trong danh mục "
                    "hành chính hiện hành (đơn vị đã sáp nhập năm 2025, hoặc gõ nhầm mã)"
                )
            if reg.province is not None and int(w.province_code) != reg.province:
                raise CatalogError(
                    f"{path.name}: đơn vị “{u.code}” ({u.name}): mã {oc} là của {w.name}, thuộc tỉnh khác"
                )
        elif u.kind == "tinh" and u.code != reg.top and oc not in provinces:
            raise CatalogError(f"{path.name}: tỉnh “{u.code}” ({u.name}) có mã {oc} không có trong 34 tỉnh, thành phố")


def read_toml(path: Path) -> dict[str, Any]:
    """A data file (regime, registry, plan) as a dict; syntax and I/O errors become a `CatalogError`
    naming the file, so every loader reports a broken file the same way."""
    import tomllib  # only when a file is compiled (a cached catalog needs no TOML parser)

    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as e:
        raise CatalogError(f"{path.name}: lỗi cú pháp TOML: {e}") from None
    except OSError as e:
        raise CatalogError(f"{path.name}: không đọc được tệp: {e.strerror}") from None


def _pyd(e: Exception) -> str:
    if isinstance(e, Invalid):
        return "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors())
    return str(e)


def _compiled(path: Path) -> Catalog:
    """The catalog compiled from its TOML, when the cache has none (`catalog.compile`, imported only then)."""
    from .compile import load_catalog_file

    return load_catalog_file(path)


def __getattr__(name: str):
    """`load_catalog_file` (`from xlcchc.catalog.load import load_catalog_file`), imported from
    `catalog.compile` on first use: a run whose catalogs come from the cache never needs the compiler."""
    if name == "load_catalog_file":
        from .compile import load_catalog_file

        return load_catalog_file
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
