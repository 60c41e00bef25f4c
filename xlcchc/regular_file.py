"""Reading a file named on the command line (a key, a values file, a list of units, a provincial workbook)
the way the reader reads a return: never a device, FIFO or socket, never more than a bound.

`--key /dev/zero`, `merge --expected /dev/zero` or `appendix /dev/zero` read until memory ran out
(MemoryError, in English), and a FIFO blocked the command forever. Only `os` and `stat` are imported:
the signing key is read by every cold `check`.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .errors import XlcchcError


#: What a device, FIFO or socket is called in every sentence refusing one (reading a return or a named file,
#: writing an output over one).
NOT_REGULAR = "không phải tệp dữ liệu thông thường (thiết bị, ống dẫn FIFO hoặc liên kết tới chúng)"


class NotRegularFile(XlcchcError):
    """The path is a device, a FIFO or a socket (or a link to one): it was not read."""


def regular_bytes(path: Path | str, limit: int | None = None) -> bytes:
    """The file's bytes, at most `limit` + 1 of them (the caller refuses more than `limit`).

    Opened non-blocking, so a FIFO opens at once, and checked with `fstat` on the open descriptor (not the
    name, which could change between a check and the open). OSError (missing, a directory, no permission)
    reaches the caller, which names the file in its own words; `NotRegularFile` carries its sentence."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        raise NotRegularFile(f"“{path}” {NOT_REGULAR}; không đọc")
    with os.fdopen(fd, "rb") as fh:
        return fh.read() if limit is None else fh.read(limit + 1)
