"""Read a returned workbook: untrusted input, found by names and metadata, never by row numbers.

The file came back from a unit by e-mail or USB stick; it may be anything (a PDF renamed to .xlsx, an
old .xls, a password-protected copy, a zip bomb, XML with external entities, a template whose rows were
moved). This package reads the bytes itself (zipfile, only the parts and cells it needs) so that it is
fast, never runs anything in the file, never writes to it, and turns every kind of unusable file into
a `ReturnError` with its own Vietnamese sentence, and every unreadable cell into a `cell.*` finding.

The modules follow the trust boundary, outside in:

- `package`   — bytes → zip: sniffing, lock files, caps against bombs, DTD refusal, hardened XML parser
- `workbook`  — the workbook part (sheets, defined names), styles, `_Book` (each part read once)
- `sheet`     — cells of a sheet part and shared strings (plain-form scanner, strict-parser fallback)
- `interpret` — identity, structure, then value and note cells into a `Return` (`read_return`)
- `normalise` — what a rule sees for a stored value; derived ratios recomputed (`values_of`)
- `model`     — `Return`, `CellRead`, `CellError`, `ReturnError`

Speed matters because the merge reads hundreds of returns: each part is read at most once per file
(names and styles once per process for identical parts), sheets and shared strings in the plain form
every spreadsheet program writes are searched with a few regular expressions instead of being built
into trees, and anything else goes through the C XML parser. Either way a DTD or entity declaration is
refused on the bytes before any parsing (the protections defusedxml gave, at C speed).
"""

from __future__ import annotations

from .interpret import LONG_NOTE, read_return
from .model import CellError, CellRead, Return, ReturnError, cell_label
from .normalise import MAX_MAGNITUDE, normalise, recompute, values_of
from .package import (
    LOCK_PREFIX,
    MAX_FILE_BYTES,
    MAX_MEMBER_BYTES,
    MAX_MEMBERS,
    MAX_RATIO,
    MAX_TOTAL_BYTES,
    _Package,
    _sniff,
    is_lock_file,
)
from .sheet import _col_letters, _col_number
from .workbook import _Book

__all__ = [
    "ReturnError", "CellRead", "CellError", "Return", "read_return", "values_of", "normalise",
    "recompute", "cell_label", "LONG_NOTE", "is_lock_file",
]
