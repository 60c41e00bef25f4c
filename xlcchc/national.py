"""One level up: a province's provincial workbook becomes its return to the national level.

How a province's TONG_HOP.xlsx is recognised as that province's return (docs/national.md):
- the workbook is one xlcchc wrote (its metadata says it is a provincial workbook, with its regime and
  period), and it is read back the way the appendix reads it (`read_provincial`: recomputed from its cells,
  the consolidator's adjustments applied), so the figures are the province's final figures;
- the province is the one whose official code (mã tỉnh) the provincial regime's registry carries
  (`province = 38`, written by `xlcchc registry new`, or the consolidating unit's `official_code`), looked
  up among the national registry's 34 provinces. No name is matched and nothing is retyped.
The result is a national return like any other (the national template of that province, filled through
the same path as `xlcchc values import`, marked “Chính thức”), so `xlcchc merge` consolidates the 34 of
them unchanged; a TONG_HOP that cannot be recognised gets a Vietnamese sentence and the others go on.
"""

from __future__ import annotations

import itertools
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from .catalog.load import load_catalog, registry_of
from .catalog.models import Unit
from .errors import XlcchcError
from .layout import STATUS_FINAL

NATIONAL_REGIME = "quoc-gia-2025"
NATIONAL_LEVEL = "tw"  # the level of the national regimes (the ministry consolidates the provinces)


class NationalError(XlcchcError):
    pass


def province_unit(provincial_regime: str, national_regime: str = NATIONAL_REGIME, *, file: str = "") -> Unit:
    """The national reporting unit of the province a provincial regime serves (by official code)."""
    cat = load_catalog(provincial_regime)
    reg = registry_of(cat)
    code = reg.province if reg.province is not None else reg.by_code[reg.top].official_code
    where = f"Bảng tổng hợp “{file}” ({reg.name})" if file else reg.name
    if cat.level != "tinh":
        raise NationalError(f"{where} là số liệu cấp {cat.level}, không phải số toàn tỉnh; cấp trung ương nhận bảng tổng hợp của tỉnh")
    if code is None:
        raise NationalError(f"{where}: danh mục đơn vị “{reg.id}” không ghi mã tỉnh (province) nên không biết là của tỉnh nào; "
                            "hãy tạo danh mục bằng lệnh xlcchc registry new --province TÊN_TỈNH")
    national = registry_of(load_catalog(national_regime))
    for u in national.reporting_units():
        if u.official_code == code:
            return u
    raise NationalError(f"{where}: mã tỉnh {code} không có trong danh mục {national.name}")


def national_return(tong_hop: Path | str, out_dir: Path | str, *, regime: str | None = None,
                    said: Callable[[str], None] | None = None, templates: dict | None = None,
                    staged: Callable[[Path], Path] | None = None) -> Path:
    """Write the province's national return from its TONG_HOP.xlsx; the path written.

    Without `regime`, the national regime in force for the workbook's period (`said` is told which).
    `templates`: a dict the caller keeps across provinces, so that the national template (the same for
    every province but its strings) is built once, not once per province (xlcchc.template_units).
    `staged(path)`: where to write the return meant for `path` instead (`national_returns` moves it there
    itself); the path returned is the one meant."""
    from .merge import read_provincial
    from .merge.readback import ProvincialError
    from .periods import parse_period
    from .fileio import write_bytes
    from .template import fill_template, template_filename
    from .template_units import TemplateSource
    from .values import ValuesDoc, typed_rows

    tong_hop = Path(tong_hop)
    try:
        fig = read_provincial(tong_hop)
    except ProvincialError as e:
        raise NationalError(f"“{tong_hop.name}” không đọc được như một bảng tổng hợp của tỉnh: {e}") from None
    if not fig.period:
        raise NationalError(f"Bảng tổng hợp “{tong_hop.name}” chưa xác định kỳ báo cáo")
    period = parse_period(fig.period)
    if regime is None:
        from .catalog.load import CatalogError
        from .catalog.select import choice_sentence, regime_for_period

        try:
            regime = regime_for_period(period, NATIONAL_LEVEL)
        except CatalogError as e:
            raise NationalError(f"“{tong_hop.name}”: {e}") from None
        if said is not None:
            said(choice_sentence(regime, period))
    unit = province_unit(fig.regime, regime, file=tong_hop.name)
    catalog = load_catalog(regime)
    doc = ValuesDoc(regime=catalog.regime, unit=unit.code, period=period.code,
                    values=typed_rows(catalog, unit, fig.values, fig.notes))
    out = Path(out_dir) / template_filename(unit, period)
    with tempfile.TemporaryDirectory(prefix="xlcchc-national-") as tmp:
        if templates is None:
            templates = {}
        source = templates.get((catalog.regime, period.code))
        if source is None:
            source = templates[(catalog.regime, period.code)] = TemplateSource(catalog, period)
        tpl = write_bytes(Path(tmp) / "mau.xlsx", source.template(unit))
        cover = {"BIA_NGUOI_LAP": f"Tổng hợp từ {tong_hop.name}", "BIA_TRANG_THAI": STATUS_FINAL}
        report = fill_template(tpl, doc, staged(out) if staged is not None else out, cover=cover)
    if report.skipped:
        report.output = out  # the sentence names the return, not where it was staged
        raise NationalError(f"“{tong_hop.name}”: {report.summary()}")
    return out


#: Below this many provinces a second process costs more than it saves (a national return takes ~0.2 s).
POOL_MIN_RETURNS = 4


def national_returns(files: list[Path], out_dir: Path | str, *, regime: str | None = None,
                     workers: int | None = None) -> Iterator[tuple[Path, Path | None, str, set[str]]]:
    """(file, national return written or None, why not, sentences saying which regime was picked) for each
    provincial workbook, in the order given; the same files as `national_return` one after another.

    The first is made here (it builds the national template); the others, when there are several, on
    two forked processes that inherit that template. A killed process's files are made here. Each return
    is written under a temporary name and given its own here, in the order of `files`: a second workbook
    of the same province and period (an old and a corrected one, the same file twice) is not used — said
    so, naming the first —, whichever process finished first; the temporary files never outlive the call."""
    from .fileio import TEMP_PREFIX
    from .forked import forked_map

    templates: dict = {}  # the national template built once for all the provinces
    if not files:
        return
    owner = f"{TEMP_PREFIX}{os.getpid()}-"  # the forked processes stage under this process's id (see clean_stale)
    out_dir = Path(out_dir)
    made: dict[Path, Path] = {}  # return written → the workbook it was made from
    try:
        first = [_one_return(files[0], out_dir, regime, templates, owner)]
        rest = files[1:]
        if workers is None:
            workers = min(2, os.cpu_count() or 1) if len(rest) >= POOL_MIN_RETURNS else 1
        pooled = forked_map(lambda f: _one_return(f, out_dir, regime, templates, owner), rest, workers)
        for f, got, why, said in itertools.chain(first, pooled):
            yield _placed(f, got, why, said, made)
    finally:
        for left in out_dir.glob(owner + "*"):  # staged and not placed: refused, duplicated, or the caller stopped
            left.unlink(missing_ok=True)


def _placed(f: Path, got, why: str, said: set[str], made: dict[Path, Path]) -> tuple[Path, Path | None, str, set[str]]:
    """A staged return moved to its name, unless a workbook before it in this run made that return."""
    if got is None:
        return f, None, why, said
    path, staged = got
    if path in made:
        return f, None, (f"cùng tỉnh và cùng kỳ báo cáo với “{made[path]}”, đã dùng để tạo “{path.name}”; mỗi tỉnh chỉ "
                         "gửi một bảng tổng hợp cho một kỳ — tệp này không được dùng"), said
    try:
        os.replace(staged, path)
    except OSError as e:
        return f, None, f"không ghi được “{path.name}”: {e.strerror or e}", said
    made[path] = f
    return f, path, "", said


_STAGED = itertools.count()  # staged names unique within a process (the same workbook may come twice)


def _one_return(f: Path, out_dir, regime: str | None, templates: dict,
                owner: str) -> tuple[Path, tuple[Path, Path] | None, str, set[str]]:
    """(file, (return's path, where it was staged) or None, why not, sentences said)."""
    said: set[str] = set()
    staged: list[Path] = []

    def stage(path: Path) -> Path:
        staged.append(path.with_name(f"{owner}{os.getpid()}-{next(_STAGED)}-{path.name}"))
        return staged[-1]

    try:
        path = national_return(f, out_dir, regime=regime, said=said.add, templates=templates, staged=stage)
        return f, (path, staged[-1]), "", said
    except XlcchcError as e:
        return f, None, str(e), said
    except OSError as e:
        return f, None, f"không đọc được tệp ({e.strerror or e})", said


def cli_returns(args) -> int:
    """`xlcchc national returns TONG_HOP.xlsx… -o DIR`: one national return per province; bad files listed."""
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    for f in args.files:
        p = Path(f)
        files.extend(sorted(p.rglob("*.xlsx")) if p.is_dir() else [p])
    made, failed = [], []
    choices: set[str] = set()
    for f, path, why, said in national_returns(files, out, regime=args.regime):
        choices |= said
        if path is not None:
            made.append(path)
        else:
            failed.append(f"{f.name}: {why}")
    for line in sorted(choices):  # the regime picked by each period (no --regime): on stderr, as other commands
        print(line, file=sys.stderr)
    print(f"Đã tạo {len(made)} báo cáo gửi cấp trung ương trong {out}")
    for line in failed:
        print(f"  - Không dùng được {line}")
    return 0 if not failed else 1
