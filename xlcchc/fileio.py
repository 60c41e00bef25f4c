"""Writing output files so that a crash never leaves half a file.

Every output (templates, annotated copies, the provincial workbook, the appendix, values files, the
add-in) is written to a temporary file beside its destination and renamed over it at the end: a rename on
the same file system is atomic, so a reader sees either the previous file or the new one, never a mix.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import XlcchcError
from .regular_file import NOT_REGULAR


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: Prefix of every temporary file beside an output: the merge's folder scan never reads such a file
#: as a return, and the next run removes those whose process is gone (an interrupted run).
TEMP_PREFIX = ".~xlcchc-"
_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


class DiskFullError(XlcchcError):
    """The disk (or quota, or file-size limit) ran out while writing an output: one Vietnamese sentence."""


def disk_full_message(path: Path | str, temp: Path | str | None = None) -> str:
    """The sentence for a full disk. `temp` names the temporary folder when it, not the destination's
    disk, is what ran out (the user must free space where it is really missing)."""
    where = f" ở thư mục tạm “{Path(temp).resolve()}”" if temp else ""
    return (f"ổ đĩa đã đầy (hoặc vượt giới hạn dung lượng){where}, không ghi được “{Path(path).resolve()}”; "
            "không có tệp nào bị ghi dở — hãy giải phóng chỗ trống rồi chạy lại")


def _full_temp(path: Path) -> str | None:
    """The system temp folder if it is on another file system than `path` and has less room left (so it is
    the one that filled up while the output was written through it), else None."""
    temp = tempfile.gettempdir()
    try:
        here, there = os.stat(path.parent if str(path.parent) else "."), os.stat(temp)
        if here.st_dev == there.st_dev:
            return None
        return temp if shutil.disk_usage(temp).free < shutil.disk_usage(path.parent or ".").free else None
    except OSError:
        return None


def _is_full(e: BaseException) -> bool:
    while e is not None:
        if isinstance(e, OSError) and e.errno in _FULL:
            return True
        inner = e.args[0] if getattr(e, "args", None) and isinstance(e.args[0], BaseException) else None
        e = inner or e.__cause__ or e.__context__
    return False


def clean_stale(folder: Path | str) -> list[Path]:
    """Remove temporary files left in `folder` by runs whose process no longer exists."""
    removed = []
    try:
        entries = list(Path(folder).glob(TEMP_PREFIX + "*"))
    except OSError:
        return removed
    for p in entries:
        try:
            pid = int(p.name[len(TEMP_PREFIX):].split("-", 1)[0])
        except ValueError:
            continue
        if pid == os.getpid() or _alive(pid):
            continue
        try:
            shutil.rmtree(p) if p.is_dir() else p.unlink()
            removed.append(p)
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    if os.name == "nt":
        return _alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _alive_windows(pid: int) -> bool:
    """Whether process `pid` runs, asked without touching it: on Windows `os.kill(pid, 0)` is not a probe,
    it terminates the process (TerminateProcess with exit code 0)."""
    import ctypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return ctypes.get_last_error() == 5  # ERROR_ACCESS_DENIED: it exists, another user's
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def _replaceable(path: Path) -> None:
    """Refuse an existing target that is not a regular file (what `atomic_path` may rename over)."""
    import stat

    try:
        mode = os.stat(path).st_mode  # follows a link: a link to a device is refused too
    except OSError:
        return  # nothing there yet (or unreachable: the write itself says why)
    if stat.S_ISDIR(mode):
        raise XlcchcError(f"“{path}” là một thư mục, không phải tệp; hãy cho tên tệp kết quả")
    if not stat.S_ISREG(mode):
        raise XlcchcError(f"“{path}” {NOT_REGULAR}; không ghi đè lên nó")


@contextmanager
def atomic_path(path: Path | str, suffix: str = ".part") -> Iterator[Path]:
    """Yield a temporary path beside `path`; when the block ends normally it replaces `path`.

    For writers that want a file name (xlsxwriter, zipfile). On any exception the temporary file is
    removed and `path` is left as it was. The file gets ordinary permissions (mkstemp makes it 0600).
    Its name starts with `TEMP_PREFIX` and the process id (stale ones are cleaned on the next run); a
    full disk becomes `DiskFullError` naming the path. A `path` that exists and is not a regular file
    (a device, a FIFO, a socket, or a link to one) is refused before anything is written: the rename
    would replace the node itself (`guide -o /dev/full` run as an administrator replaced the device).
    """
    path = Path(path)
    _replaceable(path)
    parent = path.parent if str(path.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    clean_stale(parent)
    try:
        fd, name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-{path.name}.", suffix=suffix, dir=parent)
    except OSError as e:
        if _is_full(e):
            raise DiskFullError(disk_full_message(path, _full_temp(path))) from None
        raise _naming(e, path) from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        try:
            os.replace(tmp, path)
        except OSError as e:  # the target locked (open in Excel on Windows) or read-only; a full disk stays one
            raise _naming(e, path) from None
    except Exception as e:
        if _is_full(e):
            raise DiskFullError(disk_full_message(path, _full_temp(path))) from None
        raise
    finally:
        tmp.unlink(missing_ok=True)


def _naming(e: OSError, path: Path) -> OSError:
    """The same error naming the output asked for: the work file's hidden name means nothing to the user
    (the CLI's sentence shows `filename`). OSError(errno, …) is the matching subclass (PermissionError …),
    with the same errno (so a full disk is still recognised as one)."""
    return OSError(e.errno, e.strerror, str(path))


@contextmanager
def private_tmpdir() -> Iterator[str]:
    """A temporary folder only this user can read, removed whatever happens.

    Every work file of an output goes there: xlsxwriter's own work files (they hold unit data),
    LibreOffice's profile, its temp files and its converted output. Its name starts with `TEMP_PREFIX` and
    the process id, so a folder left by a killed run is removed by the next one (`clean_stale`)."""
    clean_stale(tempfile.gettempdir())
    d = tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-")
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


@contextmanager
def temp_files_in(folder: str) -> Iterator[str]:
    """Python's default temp folder is `folder` for the block: a library that takes no folder argument
    (openpyxl writes each worksheet to a temp file) puts its work files there. One global, as
    `tempfile.tempdir` itself: for the single-threaded CLI and Excel calls, not for threads."""
    saved = tempfile.tempdir
    tempfile.tempdir = folder
    try:
        yield folder
    finally:
        tempfile.tempdir = saved


@contextmanager
def disk_full_as(path: Path | str) -> Iterator[None]:
    """A full disk anywhere in the block (a library's own temp files included) is `DiskFullError` naming `path`."""
    try:
        yield
    except DiskFullError:
        raise
    except Exception as e:
        if _is_full(e):
            raise DiskFullError(disk_full_message(path, _full_temp(Path(path)))) from None
        raise


def temp_env(folder: str, env: dict[str, str] | None = None) -> dict[str, str]:
    """`env` (default: ours) with every temp-folder variable pointing at `folder`: a child program
    (LibreOffice) then leaves its own temp files where they are removed with the folder."""
    return {**(os.environ if env is None else env), "TMPDIR": folder, "TMP": folder, "TEMP": folder}


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
