"""History of merged periods (stdlib SQLite) and the checks that need it.

- `store`: the SQLite file, its versioned schema and transactions; `record`: `history add`;
- `mapping` (+ `mapping.toml`): the same quantity under the codes of successive regimes;
- `series`: a unit's figure of one indicator over the stored periods;
- `checks`: cumulative decreases, outliers, units that reported last period and not now;
- `cli`: `xlcchc history add|show|export`.
"""

from .store import DEFAULT_NAME, HistoryError, default_db, open_store

__all__ = ["DEFAULT_NAME", "HistoryError", "default_db", "open_store"]
