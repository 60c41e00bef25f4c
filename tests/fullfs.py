"""A really full disk, for the tests of what xlcchc does when it runs out of space (issue #13).

Where the kernel lets a user make a mount namespace (`unshare --user --map-root-user --mount`, Linux), the
disk is a tmpfs mounted over a folder of the test and filled until `free` bytes are left: every write past
that fails with ENOSPC, as on a full USB stick or a full C: drive. Where it does not, the same child gets
RLIMIT_FSIZE = `free` instead: every write past `free` bytes of a file fails with EFBIG, also an error of the
kernel, not of a mocked function. `XLCCHC_TEST_FULL_DISK=tmpfs|rlimit` forces one (to run both locally).

Either way the program runs as the user runs it, `python -m xlcchc …` in a child process, with TMPDIR on the
full disk, and what is left on the disk afterwards is listed by the child that saw it (the tmpfs exists only
in its namespace). Run as `python -m tests.fullfs SPEC.json` that child is this module's `main`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILLER = ".fill"  # what takes the disk's room; not a file of the program, not listed
TMPFS_SIZE = 64 * 1024 * 1024


@dataclass
class FullRun:
    mechanism: str  # "tmpfs" (ENOSPC) or "rlimit" (EFBIG)
    returncode: int
    stdout: str
    stderr: str
    files: dict[str, str]  # every file on the disk after the run (path relative to it → SHA-256), filler excluded


@functools.lru_cache(maxsize=1)
def _tmpfs_possible() -> bool:
    probe = Path(os.environ.get("TMPDIR", "/tmp")) / f"xlcchc-fullfs-probe-{os.getpid()}"
    probe.mkdir(exist_ok=True)
    try:
        r = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                            f'mount -t tmpfs -o size=64k tmpfs "{probe}" && touch "{probe}/x"'],
                           capture_output=True, timeout=30)
        return r.returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False
    finally:
        shutil.rmtree(probe, ignore_errors=True)


def mechanism() -> str:
    forced = os.environ.get("XLCCHC_TEST_FULL_DISK")
    if forced:
        return forced
    return "tmpfs" if sys.platform.startswith("linux") and shutil.which("unshare") and _tmpfs_possible() else "rlimit"


def run_on_full_disk(argv: list[str], disk: Path, *, free: int | dict[str, int], put: dict[str, bytes] | None = None,
                     env: dict[str, str] | None = None, timeout: float = 300) -> FullRun:
    """Run `xlcchc argv` with the folder `disk` a disk that has `free` bytes left and TMPDIR in `disk/tmp`.

    `put` places files on the disk first (relative path → bytes: the previous output the run must not
    damage). Paths in `argv` outside `disk` are on the ordinary disk (the inputs). `free` may differ by
    mechanism ({"tmpfs": …, "rlimit": …}): the tmpfs' room is shared by all files, the limit is per file."""
    disk.mkdir(parents=True, exist_ok=True)
    stage = disk.parent / (disk.name + ".stage")
    stage.mkdir()
    staged = {}
    for i, (rel, data) in enumerate(sorted((put or {}).items())):
        (stage / str(i)).write_bytes(data)
        staged[rel] = str(stage / str(i))
    how = mechanism()
    if isinstance(free, dict):
        free = free[how]
    spec = {"disk": str(disk), "free": free, "put": staged, "argv": argv, "env": env or {}, "timeout": timeout,
            "mechanism": how}
    spec_path = stage / "spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    child = [sys.executable, "-m", "tests.fullfs", str(spec_path)]
    if how == "tmpfs":
        child = ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                 f'mount -t tmpfs -o size={TMPFS_SIZE} tmpfs "$0" && exec "$@"', str(disk), *child]
    r = subprocess.run(child, capture_output=True, text=True, encoding="utf-8", cwd=ROOT, timeout=timeout + 60)
    assert r.returncode == 0 and r.stdout.strip(), f"the full-disk harness failed ({how}): {r.stderr[-2000:]}"
    out = json.loads(r.stdout.strip().splitlines()[-1])
    shutil.rmtree(stage, ignore_errors=True)
    return FullRun(how, out["returncode"], out["stdout"], out["stderr"], out["files"])


def _fill(disk: Path, free: int) -> None:
    st = os.statvfs(disk)
    room = st.f_bavail * st.f_frsize - free
    with open(disk / FILLER, "wb") as fh:
        block = b"\0" * (1 << 20)
        while room > 0:
            fh.write(block[: min(room, len(block))])
            room -= len(block)


def _limit(free: int):
    def run() -> None:
        import resource
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (free, free))
    return run


def _listing(disk: Path) -> dict[str, str]:
    files = {}
    for p in sorted(disk.rglob("*")):
        rel = p.relative_to(disk).as_posix()
        if rel == FILLER:
            continue
        files[rel + ("/" if p.is_dir() else "")] = "" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
    return files


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    disk = Path(spec["disk"])
    for rel, src in spec["put"].items():
        (disk / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, disk / rel)
    (disk / "tmp").mkdir(exist_ok=True)
    env = {**os.environ, **spec["env"], "TMPDIR": str(disk / "tmp")}
    env.pop("XLCCHC_DEBUG", None)
    if spec["mechanism"] == "tmpfs":
        _fill(disk, spec["free"])
        pre = None
    else:
        pre = _limit(spec["free"])
    r = subprocess.run([sys.executable, "-m", "xlcchc", *spec["argv"]], capture_output=True, text=True,
                       encoding="utf-8", cwd=ROOT, env=env, timeout=spec["timeout"], preexec_fn=pre)
    listing = _listing(disk)
    listing.pop("tmp/", None)  # the folder itself (TMPDIR) stays; what is in it is listed
    print(json.dumps({"returncode": r.returncode, "stdout": r.stdout, "stderr": r.stderr, "files": listing}))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


if __name__ == "__main__":
    main(sys.argv[1])
