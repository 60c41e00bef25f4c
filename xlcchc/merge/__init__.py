"""The merge (“Tổng hợp”): a folder of returns in, the provincial workbook (TONG_HOP.xlsx) out.

- `collect`: find the returns, read and check each, choose one per unit;
- `aggregate`: the aggregation rules of the catalog (pure functions);
- `workbook`: write TONG_HOP.xlsx; `readback`: `read_provincial` (adjustments applied, recomputed);
- `folder`: `merge_folder`; `cli`: `xlcchc merge`.
"""

from .folder import MergeError, merge_folder
from .readback import ProvincialError, read_provincial


def cli_merge(args) -> int:
    from .cli import cli_merge as run

    return run(args)


__all__ = ["merge_folder", "read_provincial", "cli_merge", "MergeError", "ProvincialError"]
