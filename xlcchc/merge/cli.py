"""`xlcchc merge DIR -o TONG_HOP.xlsx`: the console front of `merge_folder`."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from ..errors import XlcchcError


class _Bar:
    """A one-line text progress bar on stderr (no dependency; redrawn with \\r)."""

    def __init__(self, stream=None, width: int = 30):
        # sys.stderr looked up when the bar is made, not when the module was imported (it may be replaced since)
        self.stream, self.width, self.shown = stream or sys.stderr, width, False

    def __call__(self, done: int, total: int, name: str) -> None:
        total = max(total, 1)
        filled = int(self.width * done / total)
        label = name if len(name) <= 40 else "…" + name[-39:]
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} {label:<40}")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def _plain(v):
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _official(registry, code: str) -> int | None:
    unit = registry.by_code.get(code) if code else None
    return unit.official_code if unit is not None else None


UNKNOWN_SHOWN = 10


def _unknown_expected(fig, registry) -> list[str]:
    """The codes of the list of expected units that the regime's registry does not have (a typo, another
    province's code): their status line says so; the summary names them instead of counting them as units
    that have not sent (a consolidator would chase a unit that does not exist)."""
    return [s.unit for s in fig.status if s.unit and s.unit not in registry.by_code and s.status == "Chưa nộp"]


def cli_merge(args) -> int:
    from . import merge_folder

    from ..signing import find_key

    bar = _Bar()
    try:
        key = find_key(getattr(args, "key", None))
        fig = merge_folder(
            args.folder, args.output, period=args.period, expected=args.expected, regime=args.regime, progress=bar,
            history=getattr(args, "history", None), key=key,
            unsigned="error" if getattr(args, "unsigned", "canh-bao") == "loi" else "warning",
        )
    except XlcchcError as e:
        bar.close()
        print(f"Lỗi: {e}", file=sys.stderr)
        return 2
    bar.close()
    if fig.regime_choice:  # the regime picked by the period (no --regime): said on stderr, never in the JSON
        print(fig.regime_choice, file=sys.stderr)
    from ..catalog.load import load_catalog, registry_of

    catalog = load_catalog(fig.regime)
    registry = registry_of(catalog)
    if args.json:
        out = {
            "regime": fig.regime,
            "period": fig.period,
            "unit": fig.unit,
            "output": str(args.output),
            # each line with the unit's official code (mã đơn vị hành chính) when the registry has one
            "status": [s.model_dump(mode="json") | {"official_code": _official(registry, s.unit)} for s in fig.status],
            "values": [
                {"form": i.form, "code": i.code, "value": _plain(fig.values.get(i.key))}
                for i in catalog.value_indicators()
            ],
        }
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        from ..periods import PeriodError, parse_period

        try:
            period = parse_period(fig.period).label if fig.period else "chưa xác định"
        except PeriodError:
            period = fig.period
        unknown = _unknown_expected(fig, registry)
        unknown_set = set(unknown)  # `unknown` keeps the status lines' order, for the sentence below
        counts = Counter(s.status for s in fig.status if s.unit and s.unit not in unknown_set)
        parts = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
        print(f"Đã tổng hợp kỳ {period} vào: {Path(args.output).resolve()}. {parts}.")
        if unknown:
            shown = ", ".join(f"“{c}”" for c in unknown[:UNKNOWN_SHOWN])
            more = f" và {len(unknown) - UNKNOWN_SHOWN} mã khác" if len(unknown) > UNKNOWN_SHOWN else ""
            print(f"{len(unknown)} mã trong danh sách đơn vị phải nộp không có trong danh mục đơn vị của chế độ "
                  f"{fig.regime} (không tính vào số chưa nộp): {shown}{more} — hãy kiểm tra lại danh sách (--expected).")
        if getattr(args, "history", None):
            hist = [f for f in fig.findings if f.rule.startswith("history.")]
            gone = [s for s in fig.status if "Kỳ trước" in s.detail]
            errors = sum(1 for f in hist if f.is_error)
            print(f"So với các kỳ trước: {errors} lỗi, {len(hist) - errors} cảnh báo, {len(gone)} đơn vị kỳ trước có nộp "
                  "nay chưa nộp (xem trang “Kết quả kiểm tra”, “Tình hình nộp”).")
        bad = [s for s in fig.status if not s.unit]
        if bad:
            print(f"{len(bad)} tệp không dùng được (xem trang “Tình hình nộp”).")
        for rel, note in fig.skipped:
            print(f"Bỏ qua “{rel}”: {note.removesuffix('; bỏ qua')}" if note else f"Bỏ qua “{rel}”")
    return 0
