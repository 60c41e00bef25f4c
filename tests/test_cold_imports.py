"""What a cold `xlcchc check FILE --json` loads (issue 17: the process Excel's "Kiểm tra" waits for).

With the catalog cache warm, a plain check reads and checks one return with neither argparse (cli_plain
reads the line), typing, zipfile (read/zipdir lists the zip), OpenSSL's hashlib or hmac (digest),
pickle.py (the C unpickler) nor the json package (jsontext) — each of them was a few million
instructions of that process. This test keeps them out: an import added on the check path shows here, so
that it is made on purpose (imported where it is needed) rather than by accident. The same output as
the in-process check is asserted too, so the test is about a real run, not an empty one.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys

from .conftest import ROOT

_AVOIDED = ("argparse", "typing", "zipfile", "shutil", "hashlib", "hmac", "_hashlib", "pickle", "json", "gettext")

_RUN = """
import contextlib, io, sys
from xlcchc.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    rc = main(["check", sys.argv[1], "--json"])
sys.stderr.write(out.getvalue())
print(repr((rc, sorted(m for m in {avoided!r} if m in sys.modules))))
"""


def test_a_warm_check_loads_none_of_the_avoided_modules(tmp_path):
    env = {**os.environ, "XLCCHC_CACHE_DIR": str(tmp_path / "cache")}
    code = _RUN.format(avoided=_AVOIDED)
    for sample in (ROOT / "samples" / "bao-cao-2022" / "BC_CCHC_2022_SNV.xlsx",
                   ROOT / "samples" / "bao-cao-2022" / "BC_CCHC_2022_H-THO-XUAN_du_thao.xlsx"):
        runs = [subprocess.run([sys.executable, "-c", code, str(sample)], capture_output=True, text=True, env=env,
                               cwd=ROOT, check=True) for _ in range(2)]  # the first fills the cache
        rc, loaded = ast.literal_eval(runs[1].stdout)
        assert loaded == []
        assert runs[0].stderr == runs[1].stderr
        assert rc in (0, 1) and isinstance(json.loads(runs[1].stderr), list)
