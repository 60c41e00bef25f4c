"""Console output that never sends a file's control characters to the terminal raw.

Cell values, sheet names and file names come from returned files; an ESC sequence in one of them
could recolour, move or hide what the consolidator reads, a CR overwrite the line. Everything the
CLI prints goes through `VisibleStream`, which shows such characters as `\\x1b`-style escapes; only
newlines and tabs pass, and a CR that starts a write (the progress bar redrawing its own line).
"""

from __future__ import annotations

import re

#: Control characters, bidirectional overrides and lone surrogates. A surrogate cannot be encoded at all: it
#: is what Python makes of a file name's bytes that are not UTF-8 (U+DC80-U+DCFF for byte 0x80-0xFF, PEP 383),
#: or an unpaired one in a Windows name; written raw it raised UnicodeEncodeError and stopped the command.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(char: str) -> str:
    """`\\x1b` below U+0020; `\\u0085`, `\\udcff`, `\\u202e` above: JSON's own escape of the same
    character, so `check --json` stays JSON (json.dumps leaves only those below U+0020 to escape itself,
    and a `\\x..` inside a JSON string makes it invalid)."""
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x20 else f"\\u{code:04x}"


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def name_text(name: str) -> str:
    """A file name as text that can be written anywhere (a workbook, JSON, SQLite): its undecodable bytes
    as `\\udcff`-style escapes (byte 0xFF), like `visible` shows them; any other name is returned as it is."""
    return _SURROGATE.sub(lambda m: _escape(m.group()), name)


def visible(text: str) -> str:
    """`text` with control, escape and bidirectional-override characters (and a name's undecodable bytes)
    shown as escapes."""
    return _CONTROL.sub(lambda m: _escape(m.group()), text)


class VisibleStream:
    """A text stream wrapper applying `visible` to every write (other attributes pass through)."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, s: str) -> int:
        if s.startswith("\r"):
            self._stream.write("\r" + visible(s[1:]))
        else:
            self._stream.write(visible(s))
        return len(s)

    def __getattr__(self, name):
        return getattr(self._stream, name)
