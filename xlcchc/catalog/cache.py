"""The validated catalogs, registries and plans, kept on disk between runs, keyed by the data they came from.

Validating a regime (TOML parsing in pure Python, pydantic validation of every row and rule, the official
list of communes for a two-tier registry) costs several times what checking one return does, and Excel's
"Kiểm tra" button starts a fresh process every time (issue 17: cold `xlcchc check` ≤ 0.12 s). So the result
of a validation is stored under a key made of everything it depends on: the bytes of every data file
(catalog/data, catalog/units, plan/data, and `$XLCCHC_CATALOG_DIR`'s), the loader code's files (size and modification time), and the
versions of Python, pydantic and vietnam-provinces. Any change to any of them is a different key, hence a
fresh validation; a cache that cannot be read or written is simply not used.

The files are pickles written by this program into the user's own cache folder (never anything from a
return); set XLCCHC_CACHE_DIR to move it, or to an empty string to turn the cache off.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from ..digest import blake2b

try:
    # The C unpickler itself: `pickle.loads` is this function, but importing `pickle` also builds the
    # pure-Python Pickler and Unpickler classes (≈ 5 M instructions of a cold `check`, issue 17).
    from _pickle import loads as _loads
except ImportError:  # pragma: no cover - not CPython
    from pickle import loads as _loads

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers know the name)
if TYPE_CHECKING:
    from typing import TypeVar

    T = TypeVar("T")

_PACKAGE = Path(__file__).resolve().parent.parent  # xlcchc/
_DATA = ("catalog/data", "catalog/units", "plan/data")
_CODE = ("catalog", "plan")


def cache_dir() -> Path | None:
    env = os.environ.get("XLCCHC_CACHE_DIR")
    if env is not None:
        return Path(env) if env else None
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "xlcchc" / "cache"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "xlcchc"


def _version_of(module: str) -> str:
    """A cheap identity of an installed library: its package file's path, size and time (no import)."""
    from importlib.util import find_spec

    try:
        spec = find_spec(module)
    except (ImportError, ValueError):
        return "-"
    if spec is None or not spec.origin:
        return "-"
    try:
        st = os.stat(spec.origin)
    except OSError:
        return spec.origin
    return f"{spec.origin}:{st.st_size}:{st.st_mtime_ns}"


def data_key() -> str:
    """The digest of everything a validated catalog, registry or plan depends on, including a province's
    own folder `$XLCCHC_CATALOG_DIR` (once per process and value of that variable)."""
    return _data_key(os.environ.get("XLCCHC_CATALOG_DIR") or "")


@lru_cache(maxsize=8)
def _data_key(extra: str) -> str:
    # BLAKE2b (the standard library's own code, about twice as fast as SHA-256 here) over every data
    # file's bytes: this runs on every cold `check`, for ≈ 270 KB of TOML.
    h = blake2b(sys.version.encode(), digest_size=16)
    roots = [(str(_PACKAGE), _DATA)]
    if extra:
        h.update(f"\0extra={Path(extra).resolve()}".encode())
        roots.append((extra, ("data", "units")))
    for root, subs in roots:
        for sub in subs:
            folder = os.path.join(root, sub)
            for name in _names(folder, ".toml"):
                h.update(f"\0{sub}/{name}\0".encode())
                with open(os.path.join(folder, name), "rb") as fh:
                    h.update(fh.read())
    for sub in _CODE:
        folder = os.path.join(_PACKAGE, sub)
        for name in _names(folder, ".py"):
            st = os.stat(os.path.join(folder, name))
            h.update(f"\0{sub}/{name}:{st.st_size}:{st.st_mtime_ns}".encode())
    st = (_PACKAGE / "record.py").stat()  # the records' base class, pickled with them
    h.update(f"\0record.py:{st.st_size}:{st.st_mtime_ns}".encode())
    for lib in ("pydantic", "pydantic_core", "vietnam_provinces"):
        h.update(f"\0{lib}={_version_of(lib)}".encode())
    return h.hexdigest()


def _names(folder: str, suffix: str) -> list[str]:
    """The sorted names of the files ending in `suffix` in `folder` (none when it is not a folder): the
    files `Path(folder).glob("*" + suffix)` lists, without glob's pattern compilation."""
    try:
        with os.scandir(folder) as it:
            return sorted(e.name for e in it if e.name.endswith(suffix) and e.is_file())
    except (FileNotFoundError, NotADirectoryError):
        return []


def cached(kind: str, name: str, build: Callable[[], T]) -> T:
    """`build()`, or what it returned in an earlier run with the same data and code."""
    folder = cache_dir()
    if folder is None:
        return build()
    try:
        key = data_key()
    except OSError:
        return build()
    path = folder / f"{kind}-{name}-{key}.pickle"
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        # The collector is paused while the objects are made: they are all kept, and the collections that
        # hundreds of new records would set off cost a tenth of the loading.
        paused = gc.isenabled()
        gc.disable()
        try:
            return _loads(data)
        finally:
            if paused:
                gc.enable()
    except Exception:  # noqa: BLE001 - missing, stale format, truncated: validate again
        pass
    import pickle

    from ..record import warm

    obj = warm(build())  # cached properties (the catalog's fingerprint …) are stored too
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
        with open(tmp, "wb") as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        # Another key is another version of the data or code (maybe another installation, still in use):
        # left alone unless written more than a week ago (then rebuilt by whoever still needs it).
        stale = time.time() - 7 * 24 * 3600
        for old in folder.glob(f"{kind}-{name}-*.pickle"):
            if old != path and old.stat().st_mtime < stale:
                old.unlink(missing_ok=True)
    except Exception:  # noqa: BLE001 - a read-only or full disk: no cache, same result
        try:
            tmp.unlink(missing_ok=True)  # type: ignore[possibly-undefined]
        except Exception:  # noqa: BLE001
            pass
    return obj
