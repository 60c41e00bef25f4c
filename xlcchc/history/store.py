"""The history store: every merged period, per unit and for the province, in one SQLite file.

Why SQLite (stdlib `sqlite3`): one file the consolidator can copy beside the merged workbooks, readable
by any tool, with real transactions. Every `add` runs in one `BEGIN IMMEDIATE` transaction: two
consolidators adding at the same moment wait for each other (busy timeout) instead of interleaving,
and a writer killed half-way leaves nothing (SQLite's rollback journal undoes it on the next open), so a
period is either wholly in the store or not at all.

Re-adding a period never deletes: the earlier version is kept, marked as superseded by the new one
(`load.superseded_by`), and listed by `history show`. A partial unique index (schema version 2) makes
"one current version per period" a property of the file, not only of this code.

The schema is versioned with `PRAGMA user_version` and upgraded by the ordered `MIGRATIONS`; the file is
marked as ours with `PRAGMA application_id`, so a foreign database is refused with a clear message
instead of being written into.
"""

from __future__ import annotations

import datetime as _dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import XlcchcError

#: "XCCH" — tells our store from any other SQLite file.
APPLICATION_ID = 0x58434348
#: The name a consolidator recognises, written beside TONG_HOP.xlsx unless `--db` says otherwise.
DEFAULT_NAME = "LICH_SU_SO_LIEU_CCHC.sqlite"
BUSY_TIMEOUT_S = 120.0

#: Ordered schema migrations: version N is reached by running MIGRATIONS[N-1] on a version N-1 store.
#: Never edit a released step; add a new one (tests open a version-1 store with this code).
MIGRATIONS: list[str] = [
    # 1: periods (one row per version of a merged period), values, adjustments, submissions.
    """
    CREATE TABLE load (
        id INTEGER PRIMARY KEY,
        top_unit TEXT NOT NULL,
        period TEXT NOT NULL,
        regime TEXT NOT NULL,
        registry TEXT NOT NULL,
        catalog_fingerprint TEXT NOT NULL,
        xlcchc_version TEXT NOT NULL,
        file TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        added_at TEXT NOT NULL,
        superseded_by INTEGER
    );
    CREATE TABLE value (
        load_id INTEGER NOT NULL REFERENCES load(id),
        unit TEXT NOT NULL,
        form INTEGER NOT NULL,
        code TEXT NOT NULL,
        num REAL,
        text TEXT,
        file TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        PRIMARY KEY (load_id, unit, form, code)
    );
    CREATE TABLE adjustment (
        load_id INTEGER NOT NULL REFERENCES load(id),
        form INTEGER NOT NULL,
        code TEXT NOT NULL,
        num REAL,
        text TEXT,
        computed_num REAL,
        computed_text TEXT,
        reason TEXT NOT NULL,
        PRIMARY KEY (load_id, form, code)
    );
    CREATE TABLE submission (
        load_id INTEGER NOT NULL REFERENCES load(id),
        unit TEXT NOT NULL,
        status TEXT NOT NULL,
        file TEXT,
        sha256 TEXT,
        sent_at TEXT
    );
    """,
    # 2: at most one current version per (consolidating unit, period), enforced by the file itself;
    #    series look-ups by unit and indicator without a scan.
    """
    CREATE UNIQUE INDEX load_current ON load(top_unit, period) WHERE superseded_by IS NULL;
    CREATE INDEX value_series ON value(unit, form, code);
    CREATE INDEX submission_load ON submission(load_id, unit);
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


class HistoryError(XlcchcError):
    """The store cannot be used (damaged, foreign, newer, locked); the message says what to do."""


@dataclass(frozen=True)
class Load:
    """One version of one merged period."""

    id: int
    top_unit: str
    period: str
    regime: str
    registry: str
    catalog_fingerprint: str
    xlcchc_version: str
    file: str
    sha256: str
    added_at: str
    superseded_by: int | None

    @property
    def current(self) -> bool:
        return self.superseded_by is None


_LOAD_COLS = ("id, top_unit, period, regime, registry, catalog_fingerprint, xlcchc_version, file, sha256, "
              "added_at, superseded_by")


def default_db(beside: Path | str) -> Path:
    """The store beside a merged workbook (or in a folder)."""
    p = Path(beside)
    folder = p if p.is_dir() else (p.parent if str(p.parent) else Path("."))
    return folder / DEFAULT_NAME


def xlcchc_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("xlcchc")
    except PackageNotFoundError:
        return "0+unknown"


def _damaged(path: Path, e: Exception) -> HistoryError:
    return HistoryError(
        f"tệp lịch sử “{path.name}” bị hỏng hoặc không phải cơ sở dữ liệu SQLite ({e}); "
        "hãy dùng bản sao lưu, hoặc chọn tệp khác bằng --db"
    )


class Store:
    """An open history store; use `open_store` (a context manager) to get one."""

    def __init__(self, path: Path, conn: sqlite3.Connection):
        self.path, self.conn = path, conn

    # --- transactions -------------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken before anything is read (`BEGIN IMMEDIATE`): no lost update."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise HistoryError(
                f"tệp lịch sử “{self.path.name}” đang được một người khác ghi quá lâu ({e}); hãy thử lại sau"
            ) from None
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    # --- queries ------------------------------------------------------------------------------
    def loads(self, *, top_unit: str | None = None, current_only: bool = False) -> list[Load]:
        sql = f"SELECT {_LOAD_COLS} FROM load"
        where, args = [], []
        if top_unit:
            where.append("top_unit = ?")
            args.append(top_unit)
        if current_only:
            where.append("superseded_by IS NULL")
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = [Load(*r) for r in self.conn.execute(sql + " ORDER BY id", args)]
        from ..periods import parse_period

        return sorted(rows, key=lambda ld: (parse_period(ld.period).chrono, ld.top_unit, ld.id))

    def current(self, top_unit: str, period: str) -> Load | None:
        row = self.conn.execute(
            f"SELECT {_LOAD_COLS} FROM load WHERE top_unit = ? AND period = ? AND superseded_by IS NULL",
            (top_unit, period),
        ).fetchone()
        return Load(*row) if row else None

    def values(self, load_id: int, unit: str | None = None) -> dict[str, dict[str, float | str | None]]:
        """unit → form:code → value of one version."""
        sql, args = "SELECT unit, form, code, num, text FROM value WHERE load_id = ?", [load_id]
        if unit is not None:
            sql += " AND unit = ?"
            args.append(unit)
        out: dict[str, dict[str, float | str | None]] = {}
        for u, form, code, num, text in self.conn.execute(sql, args):
            out.setdefault(u, {})[f"{form}:{code}"] = num if num is not None else text
        return out

    def value(self, load_id: int, unit: str, key: str) -> float | str | None:
        """One figure of one version (a primary-key look-up)."""
        form, code = key.split(":", 1)
        row = self.conn.execute("SELECT num, text FROM value WHERE load_id = ? AND unit = ? AND form = ? AND code = ?",
                                (load_id, unit, int(form), code)).fetchone()
        if row is None:
            return None
        return row[0] if row[0] is not None else row[1]

    def units(self, load_id: int) -> set[str]:
        """The units with at least one figure in a version (the province included)."""
        return {u for (u,) in self.conn.execute("SELECT DISTINCT unit FROM value WHERE load_id = ?", (load_id,))}

    def value_rows(self, load_id: int) -> list[tuple]:
        return list(self.conn.execute(
            "SELECT unit, form, code, num, text, file, sha256 FROM value WHERE load_id = ? ORDER BY unit, form, code",
            (load_id,),
        ))

    def submissions(self, load_id: int) -> dict[str, str]:
        """unit → submission status of one version (units only; unusable files are not listed).

        A unit with several lines (its return and a superseded draft) gets the line of the return used.
        """
        out: dict[str, str] = {}
        for u, s in self.conn.execute(
                "SELECT unit, status FROM submission WHERE load_id = ? AND unit != '' ORDER BY rowid", (load_id,)):
            if u not in out or s in ("Đã nộp", "Có lỗi"):
                out.setdefault(u, s)
                if s in ("Đã nộp", "Có lỗi"):
                    out[u] = s
        return out

    def adjustments(self, load_id: int) -> list[tuple]:
        return list(self.conn.execute(
            "SELECT form, code, num, text, computed_num, computed_text, reason FROM adjustment WHERE load_id = ? "
            "ORDER BY form, code", (load_id,)))

    def close(self) -> None:
        self.conn.close()


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    # The rollback journal (not WAL): safe on the network shares consolidators keep files on.
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def migrate(conn: sqlite3.Connection, path: Path, *, upto: int | None = None,
            migrations: list[str] | None = None) -> int:
    """Bring the store to schema `upto` in one transaction; returns the version it had before.

    A store already at the current version is only read (readers never take the write lock).
    """
    steps = MIGRATIONS if migrations is None else migrations
    upto = len(steps) if upto is None else min(upto, len(steps))
    app, ver = _header(conn)
    if app == APPLICATION_ID and ver == upto:
        return ver
    conn.execute("BEGIN IMMEDIATE")
    try:
        app, ver = _header(conn)  # again, under the lock: another process may have just created it
        if app != APPLICATION_ID:
            if app != 0 or ver != 0 or _tables(conn):
                raise HistoryError(
                    f"“{path.name}” là một cơ sở dữ liệu khác, không phải tệp lịch sử số liệu của xlcchc; "
                    "chương trình không ghi vào tệp này — hãy chọn tệp khác bằng --db"
                )
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        if ver > len(steps):
            raise HistoryError(
                f"tệp lịch sử “{path.name}” do phiên bản xlcchc mới hơn tạo (cấu trúc {ver}, phiên bản này "
                f"đọc được đến {len(steps)}); hãy cập nhật xlcchc"
            )
        for n in range(ver, upto):
            # Statement by statement: `executescript` would commit the transaction half-way.
            for stmt in _statements(steps[n]):
                conn.execute(stmt)
            conn.execute(f"PRAGMA user_version = {n + 1}")
        conn.execute("COMMIT")
        return ver
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _columns(conn: sqlite3.Connection) -> dict[str, tuple]:
    """Each table's columns as `PRAGMA table_info` lists them (name, type, not null, default, key)."""
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return {t: tuple(tuple(c[1:]) for c in conn.execute(f"PRAGMA table_info(\"{t.replace(chr(34), chr(34) * 2)}\")"))
            for t in names}


_SCHEMAS: dict[tuple[str, ...], dict[str, tuple]] = {}


def _check_schema(conn: sqlite3.Connection, path: Path, steps: list[str]) -> None:
    """Refuse a store whose tables are not the ones its migrations make (a table dropped, renamed or
    replaced by a view, a column gone): its version says they are there, and the queries' SQLite errors
    (“no such column: unit”) reached the user as “lỗi không mong đợi (OperationalError …)”. The tables
    the migrations make on an empty in-memory database are the reference; tables of its own are allowed."""
    key = tuple(steps)
    if key not in _SCHEMAS:
        mem = sqlite3.connect(":memory:", isolation_level=None)
        try:
            for script in steps:
                for stmt in _statements(script):
                    mem.execute(stmt)
            _SCHEMAS[key] = _columns(mem)
        finally:
            mem.close()
    got = _columns(conn)
    wrong = sorted(t for t, cols in _SCHEMAS[key].items() if got.get(t) != cols)
    if wrong:
        raise HistoryError(f"tệp lịch sử “{path.name}” bị hỏng (bảng {', '.join(wrong)} bị xóa hoặc sửa cấu trúc); "
                           "hãy dùng bản sao lưu, hoặc chọn tệp khác bằng --db")


#: A stored figure that is not a finite number: SQLite keeps ±Inf (`9e999`) as REAL, and a column of REAL
#: affinity keeps text it cannot convert. Neither is ever written by `add_figures`.
_NOT_A_FIGURE = "typeof({c}) NOT IN ('integer', 'real', 'null') OR {c} IN (9e999, -9e999)"


def _check_figures(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a store holding a figure that is not a finite number: an infinite one reached TONG_HOP's trend
    rows (“lỗi không mong đợi (TypeError: NAN/INF not supported in write_number()…)” from merge --history)
    and the check's messages (“nhỏ hơn kỳ 9 tháng năm 2022 (inf)”). One scan of each figure column."""
    for table, column in (("value", "num"), ("adjustment", "num"), ("adjustment", "computed_num")):
        bad = conn.execute(f"SELECT 1 FROM {table} WHERE {_NOT_A_FIGURE.format(c=column)} LIMIT 1").fetchone()
        if bad is not None:
            raise HistoryError(f"tệp lịch sử “{path.name}” bị hỏng (bảng {table} có số liệu không phải là số); "
                               "hãy dùng bản sao lưu, hoặc chọn tệp khác bằng --db")


def _header(conn: sqlite3.Connection) -> tuple[int, int]:
    app = conn.execute("PRAGMA application_id").fetchone()[0]
    ver = conn.execute("PRAGMA user_version").fetchone()[0]
    return app, ver


def _statements(script: str) -> list[str]:
    """The statements of a migration (ours contain no `;` inside literals)."""
    return [s.strip() for s in script.split(";") if s.strip()]


@contextmanager
def open_store(path: Path | str, *, create: bool = True, migrations: list[str] | None = None) -> Iterator[Store]:
    """Open (creating or upgrading if needed) the store at `path`; refuse a damaged or foreign file."""
    path = Path(path)
    if not path.exists() and not create:
        raise HistoryError(f"chưa có tệp lịch sử “{path}”; hãy thêm một kỳ bằng: xlcchc history add TONG_HOP.xlsx")
    if path.is_dir():
        raise HistoryError(f"“{path}” là một thư mục; hãy cho tên tệp lịch sử, ví dụ {DEFAULT_NAME}")
    if not path.parent.is_dir():
        raise HistoryError(f"không có thư mục “{path.parent}” để ghi tệp lịch sử")
    try:
        conn = _connect(path)
    except sqlite3.DatabaseError as e:
        raise _damaged(path, e) from None
    try:
        try:
            migrate(conn, path, migrations=migrations)
            ok = conn.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as e:
            raise _damaged(path, e) from None
        if ok != "ok":
            raise HistoryError(f"tệp lịch sử “{path.name}” bị hỏng ({ok}); hãy dùng bản sao lưu")
        _check_schema(conn, path, MIGRATIONS if migrations is None else migrations)
        _check_figures(conn, path)
        yield Store(path, conn)
    finally:
        conn.close()


def now_text() -> str:
    """When a version was added (UTC, to the second): shown in `history show`, never in a generated document."""
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
