"""The merge (“Tổng hợp”): a folder of returns in, the provincial workbook (TONG_HOP.xlsx) out.

- `collect`: find the returns, read and check each, choose one per unit;
- `aggregate`: the aggregation rules of the catalog (pure functions);
- `workbook`: write TONG_HOP.xlsx; `readback`: `read_provincial` (adjustments applied, recomputed);
- `folder`: `merge_folder`; `cli`: `xlcchc merge`.
"""


def __getattr__(name: str):
    """`merge_folder` and `read_provincial` imported on first use: the appendix, history and the Excel
    layer read a provincial workbook back without loading the merge's reader, pool and writer."""
    if name in ("MergeError", "merge_folder"):
        from . import folder

        return getattr(folder, name)
    if name in ("ProvincialError", "read_provincial"):
        from . import readback

        return getattr(readback, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def cli_merge(args) -> int:
    from .cli import cli_merge as run

    return run(args)


__all__ = ["merge_folder", "read_provincial", "cli_merge", "MergeError", "ProvincialError"]
