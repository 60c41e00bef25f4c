"""Writing output files so that a crash never leaves half a file.

Every output (templates, annotated copies, the provincial workbook, the appendix, values files, the
add-in) is written to a temporary file beside its destination and renamed over it at the end: a rename on
the same file system is atomic, so a reader sees either the previous file or the new one, never a mix.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: Path | str, suffix: str = ".part") -> Iterator[Path]:
    """Yield a temporary path beside `path`; when the block ends normally it replaces `path`.

    For writers that want a file name (xlsxwriter, zipfile). On any exception the temporary file is
    removed and `path` is left as it was. The file gets ordinary permissions (mkstemp makes it 0600).
    """
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(path: Path | str, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: Path | str, text: str) -> Path:
    """UTF-8, newlines as given (CSV and JSON outputs must not gain `\\r` on Windows)."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    return Path(path)


def announce_parent(path: Path | str) -> Path | None:
    """The one rule for every `-o` of the command line: a missing folder is created, and the user told so.

    Returns the folder created (None if it existed). The note goes to stderr so that `--json` output on
    stdout stays machine-readable. A folder that cannot be created raises OSError (the CLI prints it as
    one Vietnamese sentence).
    """
    import sys

    parent = Path(path).parent
    if not str(parent) or parent.is_dir():
        return None
    parent.mkdir(parents=True, exist_ok=True)
    print(f"Đã tạo thư mục mới: {parent.resolve()}", file=sys.stderr)
    return parent
