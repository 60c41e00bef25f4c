"""LibreOffice, headless: the real spreadsheet engine on machines without Excel.

Used to convert the appendix to PDF and, in tests, to recalculate the templates' formulas the way a
spreadsheet would. LibreOffice does not recalculate an .xlsx on load unless told to; a private profile
whose registry sets `OOXMLRecalcMode` to 0 (always) does that, and keeps runs independent of the
user's own LibreOffice settings and of each other.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import XlcchcError

_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Setup/Product"><prop oor:name="ooSetupLastVersion" oor:op="fuse"><value>99.9</value></prop></item>
</oor:items>
"""
#: `ooSetupLastVersion` above: LibreOffice (7.2+) runs its graphics render tests (~60 drawings, some on 4096 px
#: bitmaps, ~300,000 page faults) whenever this "last version seen" is older than itself, and a headless run
#: never records it (GraphicsRenderTests.log came back on every start, seeded profile or not): ~1.2 s of CPU
#: of each conversion, half of the appendix with PDF (issue 17). The tests only choose a hardware renderer
#: (Skia, OpenGL); headless on the `svp` backend there is none, and the PDF is byte for byte the same
#: without them (creation date apart). 99.9 is later than any version: no installation's number is needed.


class OfficeError(XlcchcError):
    pass


def soffice_path() -> str | None:
    for name in ("soffice", "libreoffice"):
        p = shutil.which(name)
        if p:
            return p
    for p in (
        r"C:\Program Files\LibreOffice\program\soffice.exe",
        "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    ):
        if os.path.exists(p):
            return p
    return None


def soffice_available() -> bool:
    return soffice_path() is not None


def _profile(root: Path, seed: Path | None = None) -> str:
    """A private profile at `root`: a copy of `seed` (an initialised profile) when given, with our settings."""
    user = root / "user"
    if seed is not None:
        try:
            shutil.copytree(seed, user)
        except OSError:
            shutil.rmtree(user, ignore_errors=True)
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(_REGISTRY, encoding="utf-8")
    return root.as_uri()


#: What a profile keeps that is not needed to start again (settings are ours, rewritten every run; logs).
_NOT_SEEDED = ("registrymodifications.xcu", "backup", "temp", "GraphicsRenderTests.log")


def _seed_path(exe: str) -> Path | None:
    """Where an initialised profile of this LibreOffice installation is kept (the user's cache folder).

    A fresh profile makes LibreOffice register its extensions and run its graphics tests, then restart
    itself (exit code 81, restarted by the `soffice` launcher): ~0.25 s CPU of each conversion (issue 17:
    the appendix with PDF ≤ 2 s). Each run still gets its own private copy; the key names the installation
    (path, size and time of its program) and our settings, so another version starts from scratch (and the
    profile of one gone is removed once unused for `SEED_UNUSED_DAYS`: `_forget_stale_seeds`).
    """
    import hashlib

    from .catalog.cache import cache_dir

    folder = cache_dir()
    if folder is None:
        return None
    real = os.path.realpath(exe)
    try:
        st = os.stat(real)
    except OSError:
        return None
    key = hashlib.sha256(f"{real}:{st.st_size}:{st.st_mtime_ns}\0{_REGISTRY}".encode()).hexdigest()[:16]
    return folder / f"libreoffice-profile-{key}"


#: A kept profile not used for this long is another installation's that is gone (LibreOffice upgraded or
#: moved: its key changed), removed by the next run that uses or keeps a profile. A profile in use is never
#: that old: each run that copies one marks it used first (`_used`), so one still used weekly stays.
SEED_UNUSED_DAYS = 7
_SEED_NAME = re.compile(r"libreoffice-profile-[0-9a-f]{16}|\.libreoffice-profile-[0-9a-f]{16}\.[0-9]+\.(?:part|old)")


def _used(seed: Path) -> None:
    """Mark a kept profile used now (its folder's time), and remove the other installations' stale ones."""
    with contextlib.suppress(OSError):  # a read-only cache: nothing is removed either
        os.utime(seed)
        _forget_stale_seeds(seed.parent, keep=seed.name)


def _forget_stale_seeds(folder: Path, keep: str, now: float | None = None) -> list[str]:
    """Remove the kept profiles of `folder` (and copies left by a killed run: `.part`, `.old`) not used for
    `SEED_UNUSED_DAYS`, except `keep`; the names removed.

    Only real folders whose name is one this module writes are touched: nothing else of the user's cache,
    never a link. A profile is renamed away before it is removed, so a run never copies half of one (and a
    run that did meet one would fall back to a fresh profile: the same result, slower)."""
    import time

    stale = (time.time() if now is None else now) - SEED_UNUSED_DAYS * 24 * 3600
    removed = []
    for entry in os.scandir(folder):
        if entry.name == keep or not _SEED_NAME.fullmatch(entry.name) or not entry.is_dir(follow_symlinks=False):
            continue
        try:
            if entry.stat(follow_symlinks=False).st_mtime >= stale:
                continue
            gone = folder / entry.name
            if not entry.name.endswith((".part", ".old")):
                gone = folder / f".{entry.name}.{os.getpid()}.old"
                os.rename(folder / entry.name, gone)
        except OSError:  # removed meanwhile by another run, or not ours to remove
            continue
        shutil.rmtree(gone, ignore_errors=True)
        removed.append(entry.name)
    return removed


def _keep_seed(user: Path, seed: Path) -> None:
    """Keep the profile LibreOffice just initialised as the seed of later runs (first writer wins)."""
    part = seed.with_name(f".{seed.name}.{os.getpid()}.part")
    try:
        shutil.copytree(user, part, ignore=shutil.ignore_patterns(*_NOT_SEEDED))
        os.rename(part, seed)
    except OSError:  # another run kept one first, a read-only or full disk: no seed, same result
        pass
    finally:
        shutil.rmtree(part, ignore_errors=True)
    if seed.is_dir():
        _used(seed)  # a new installation's first run: the one before it may be gone


def convert(src: Path | str, outdir: Path | str, target: str, timeout: float = 180, infilter: str | None = None,
            dest: Path | str | None = None) -> Path:
    """Run `soffice --convert-to target` on `src`; return the produced file, `dest` or `outdir/<stem>.<ext>`.

    `target` is a LibreOffice filter spec such as `pdf` or `xlsx:Calc MS Excel 2007 XML` (no shell quoting);
    `infilter` the import filter when LibreOffice's own choice is not the right one (HTML into Writer).
    LibreOffice's profile, its own temp files (TMPDIR) and its output live in a private temp folder removed
    even on failure; the result reaches its place through a temporary file renamed when complete. A full
    disk is `DiskFullError`, whether it stopped LibreOffice or the copy.
    """
    with Office(early=False) as office:
        return office.convert(src, outdir, target, timeout=timeout, infilter=infilter, dest=dest)


class Office:
    """One LibreOffice for one command, started ahead (`early`) while the caller still builds its file.

    LibreOffice takes ~1 s to start and needs no file for that (issue 17: the appendix with PDF ≤ 2 s), so
    `Office(early=True)` starts it at once, idle, on a private profile; `convert` then hands it the file
    the way a second `soffice` does (it passes its arguments to the running one through LibreOffice's
    pipe and waits until the conversion is done; the early one is ended then). Without LibreOffice,
    `convert` raises the same `OfficeError` as ever, after the caller's own file is written. The early
    start is skipped where it cannot pay or could harm: no initialised profile kept (the first start
    restarts itself), a nearly full disk (the profile would take the room of the caller's file), not POSIX
    (untested there). A failed hand-over falls back to a conversion of its own, so the result never
    depends on the early start.
    """

    def __init__(self, *, early: bool = True, timeout: float = 180):
        self.exe = soffice_path()
        self.timeout = timeout
        self._stack = contextlib.ExitStack()
        self._tmp: Path | None = None
        self._server: subprocess.Popen | None = None
        self._profile = ""
        self._runs = 0
        self._seed = _seed_path(self.exe) if self.exe else None
        self._seeded = self._seed is not None and self._seed.is_dir()
        if early and self._seeded and os.name == "posix":
            try:
                if not _nearly_full(self._folder()):
                    self._server = subprocess.Popen(
                        self._command(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL, env=self._env(), start_new_session=True,  # its own group: `close`
                    )
            except OSError:  # no early start; `convert` tries again and says what is wrong
                self._stack.close()
                self._tmp = None

    def __enter__(self) -> Office:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _folder(self) -> Path:
        """The private temp folder: LibreOffice's profile (a copy of the kept seed), temp files and output."""
        if self._tmp is None:
            from .fileio import private_tmpdir

            self._tmp = Path(self._stack.enter_context(private_tmpdir()))
            (self._tmp / "tmp").mkdir()
            if self._seeded:
                _used(self._seed)  # before copying it: a profile being copied is never stale
            self._profile = _profile(self._tmp / "profile", self._seed if self._seeded else None)
        return self._tmp

    def _command(self, *args: str) -> list[str]:
        assert self.exe is not None
        return [self.exe, f"-env:UserInstallation={self._profile}", "--headless", "--norestore", "--nolockcheck", *args]

    def _env(self) -> dict[str, str]:
        from .fileio import temp_env

        return temp_env(str(self._folder() / "tmp"), dict(os.environ, SAL_USE_VCLPLUGIN="svp"))

    def convert(self, src: Path | str, outdir: Path | str, target: str, *, timeout: float | None = None,
                infilter: str | None = None, dest: Path | str | None = None) -> Path:
        """Convert `src` (see the module's `convert`): handed to the LibreOffice started early, if any."""
        from .fileio import DiskFullError, atomic_path, disk_full_message

        if self.exe is None:
            raise OfficeError(
                "Chưa cài LibreOffice nên không chuyển được sang PDF. Cài LibreOffice "
                "(Linux: apt-get install libreoffice-calc-nogui; Windows/macOS: libreoffice.org) rồi chạy lại."
            )
        src = Path(src).resolve()
        ext = target.split(":", 1)[0]
        if dest is None:
            outdir = Path(outdir).resolve()
            outdir.mkdir(parents=True, exist_ok=True)
            dest = outdir / (src.stem + "." + ext)
        dest = Path(dest)
        tmp = self._folder()
        self._runs += 1
        work = tmp / f"out{self._runs}"
        work.mkdir()
        args = [*([f"--infilter={infilter}"] if infilter else []), "--convert-to", target, "--outdir", str(work), str(src)]
        proc = self._run(args, timeout or self.timeout, src)
        produced = work / (src.stem + "." + ext)
        if (proc.returncode != 0 or not produced.exists()) and self._server is not None and not _nearly_full(tmp):
            # The hand-over failed (the early LibreOffice died, or restarted itself on a damaged seed): stop
            # it and convert once more on a fresh profile, as a run without an early start would.
            self._stop_server()
            self._profile = _profile(tmp / f"fresh{self._runs}")
            proc = self._run(args, timeout or self.timeout, src)
        if proc.returncode != 0 or not produced.exists():
            if _nearly_full(tmp):
                # LibreOffice says nothing useful about a full disk (it just produces nothing).
                raise DiskFullError(disk_full_message(dest, tempfile.gettempdir()))
            msg = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip()[-300:]
            raise OfficeError(f"LibreOffice không chuyển được “{src.name}” sang {ext.upper()}: {msg or 'không rõ lỗi'}")
        with atomic_path(dest, suffix="." + ext) as part:
            shutil.copyfile(produced, part)
        if self._seed is not None and not self._seeded and self._server is None:
            _keep_seed(tmp / "profile" / "user", self._seed)
            self._seeded = self._seed.is_dir()
        return dest

    def _run(self, args: list[str], timeout: float, src: Path) -> subprocess.CompletedProcess:
        try:
            return subprocess.run(self._command(*args), capture_output=True, timeout=timeout, env=self._env())
        except subprocess.TimeoutExpired:
            raise OfficeError(f"LibreOffice không trả lời sau {int(timeout)} giây khi chuyển “{src.name}”") from None

    def close(self) -> None:
        """End the early LibreOffice if it still runs, remove its socket and the folder."""
        try:
            self._stop_server()
            if self._profile and os.name == "posix":
                # Every LibreOffice of this profile has ended; one that died (a full disk) left its socket.
                _pipe_of(self._profile).unlink(missing_ok=True)
        finally:
            self._stack.close()

    def _stop_server(self) -> None:
        """End the early LibreOffice, its process group and all, and remove its socket.

        After its conversion it would exit by itself, but its shutdown (saving the settings of a profile
        that is thrown away) took ~0.3 s on a loaded machine, after the PDF was already in place; a command
        that failed before converting never gave it anything to do.
        """
        import signal

        server, self._server = self._server, None
        if server is None:
            return
        for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            if server.poll() is not None:
                break
            try:
                os.killpg(server.pid, sig)
                server.wait(timeout=wait)
            except (OSError, subprocess.TimeoutExpired):
                continue
        _pipe_of(self._profile).unlink(missing_ok=True)


def _pipe_of(profile_uri: str) -> Path:
    """The socket LibreOffice listens on for the arguments of a second `soffice` with this profile.

    An ended LibreOffice leaves it in /tmp (a killed one removes nothing), so `Office` removes its own. The
    name is LibreOffice's (desktop/source/app/officeipcthread.cxx, unchanged since 2013): `OSL_PIPE_<uid>_`
    `SingleOfficeIPC_` and the MD5 of the profile's URL as UTF-16, each byte in hex without its leading 0.
    A name computed wrong only leaves the socket file where it was: nothing else has this name.
    """
    import hashlib

    digest = hashlib.md5(profile_uri.encode("utf-16-le")).digest()
    return Path("/tmp") / f"OSL_PIPE_{os.getuid()}_SingleOfficeIPC_{''.join(format(b, 'x') for b in digest)}"


#: Below this much room (or under a smaller file-size limit, `ulimit -f`) the temp folder's disk is taken as
#: the reason LibreOffice produced nothing: its profile and work files for one conversion take megabytes.
NEARLY_FULL = 8 * 1024 * 1024


def _nearly_full(folder: Path) -> bool:
    try:
        if shutil.disk_usage(folder).free < NEARLY_FULL:
            return True
    except OSError:
        return False
    try:
        import resource
    except ImportError:  # Windows
        return False
    soft = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    return soft != resource.RLIM_INFINITY and soft < NEARLY_FULL


def to_pdf(src: Path | str, outdir: Path | str, *, dest: Path | str | None = None, office: Office | None = None) -> Path:
    """`src` to PDF; by the LibreOffice `office` started early when given (`Office`), else by one of its own."""
    if office is not None:
        return office.convert(src, outdir, "pdf", dest=dest)
    return convert(src, outdir, "pdf", dest=dest)


def recalculate(src: Path | str, outdir: Path | str) -> Path:
    """Open `src` in LibreOffice, recalculate every formula, save as .xlsx in `outdir` (for tests)."""
    return convert(src, outdir, "xlsx:Calc MS Excel 2007 XML")
