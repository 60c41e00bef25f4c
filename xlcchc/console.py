"""Console output that never sends a file's control characters to the terminal raw.

Cell values, sheet names and file names come from returned files; an ESC sequence in one of them
could recolour, move or hide what the consolidator reads, a CR overwrite the line. Everything the
CLI prints goes through `VisibleStream`, which shows such characters as `\\x1b`-style escapes; only
newlines and tabs pass, and a CR that starts a write (the progress bar redrawing its own line).
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """`text` with control, escape and bidirectional-override characters shown as escapes."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


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
