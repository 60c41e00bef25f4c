"""LibreOffice, headless: the real spreadsheet engine on machines without Excel.

Used to convert the appendix to PDF and, in tests, to recalculate the templates' formulas the way a
spreadsheet would. LibreOffice does not recalculate an .xlsx on load unless told to; a private profile
whose registry sets `OOXMLRecalcMode` to 0 (always) does that, and keeps runs independent of the
user's own LibreOffice settings and of each other.
"""

from __future__ import annotations

import os
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
</oor:items>
"""


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


def _profile(root: Path) -> str:
    user = root / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(_REGISTRY, encoding="utf-8")
    return root.as_uri()


def convert(src: Path | str, outdir: Path | str, target: str, timeout: float = 180, infilter: str | None = None) -> Path:
    """Run `soffice --convert-to target` on `src` into `outdir`; return the produced file.

    `target` is a LibreOffice filter spec such as `pdf` or `xlsx:Calc MS Excel 2007 XML` (no shell quoting);
    `infilter` the import filter when LibreOffice's own choice is not the right one (HTML into Writer).
    """
    exe = soffice_path()
    if exe is None:
        raise OfficeError(
            "Chưa cài LibreOffice nên không chuyển được sang PDF. Cài LibreOffice "
            "(Linux: apt-get install libreoffice-calc-nogui; Windows/macOS: libreoffice.org) rồi chạy lại."
        )
    src = Path(src).resolve()
    outdir = Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    ext = target.split(":", 1)[0]
    with tempfile.TemporaryDirectory(prefix="xlcchc-lo-") as tmp:
        work = Path(tmp) / "out"
        work.mkdir()
        cmd = [
            exe,
            f"-env:UserInstallation={_profile(Path(tmp) / 'profile')}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            *([f"--infilter={infilter}"] if infilter else []),
            "--convert-to",
            target,
            "--outdir",
            str(work),
            str(src),
        ]
        env = dict(os.environ, SAL_USE_VCLPLUGIN="svp")
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            raise OfficeError(f"LibreOffice không trả lời sau {int(timeout)} giây khi chuyển “{src.name}”") from None
        produced = work / (src.stem + "." + ext)
        if proc.returncode != 0 or not produced.exists():
            msg = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip()[-300:]
            raise OfficeError(f"LibreOffice không chuyển được “{src.name}” sang {ext.upper()}: {msg or 'không rõ lỗi'}")
        dest = outdir / produced.name
        tmp_dest = dest.with_name(dest.name + ".part")
        shutil.copyfile(produced, tmp_dest)
        os.replace(tmp_dest, dest)
        return dest


def to_pdf(src: Path | str, outdir: Path | str) -> Path:
    return convert(src, outdir, "pdf")


def recalculate(src: Path | str, outdir: Path | str) -> Path:
    """Open `src` in LibreOffice, recalculate every formula, save as .xlsx in `outdir` (for tests)."""
    return convert(src, outdir, "xlsx:Calc MS Excel 2007 XML")
