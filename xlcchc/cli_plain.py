"""The plain command lines of `xlcchc check`, read without argparse.

Excel's "Kiểm tra" and scripts run `xlcchc check FILE… [--json] [--key K] …` in a fresh process each time
(issue 17: a cold check ≤ 0.12 s). Importing argparse (with gettext, locale and shutil, which its help
formatter asks for the terminal width) and building even one command's parser is ~25 M instructions, a
tenth of that check. This module reads exactly the command lines whose meaning argparse leaves no room
for, and gives the namespace argparse would give; anything else — a typo, `--help`, an abbreviation, an
`--opt=value`, a value that starts with "-", a missing value, a bad choice, files after the options as
well as before — returns None, and `cli.main` asks argparse, which then says what it always said.

What argparse does with such a line (Python 3.11–3.13, `allow_abbrev`, prefix "-"): a word that does not
start with "-" is a positional; an exact option string is that option; an option with one argument takes
the next word when it does not start with "-"; `check`'s one positional (`files`, nargs="+") takes the
first run of positionals, and a second run would be an error ("không hiểu các tham số"); repeating an
option keeps its last value. `tests/test_cli_plain.py` compares this with the parser itself on random
command lines, and the option table below with `build_parser`'s.
"""

from __future__ import annotations

from types import SimpleNamespace

#: `check`'s options in `cli.build_parser`: option string → (destination, its choices when it takes a value
#: from a list, True for any value, None for a flag).
CHECK_OPTIONS: dict[str, tuple[str, tuple[str, ...] | bool | None]] = {
    "--json": ("json", None),
    "--annotate": ("annotate", True),
    "--regime": ("regime", True),
    "--unit": ("unit", True),
    "--period": ("period", True),
    "--history": ("history", True),
    "--key": ("key", True),
    "--unsigned": ("unsigned", ("canh-bao", "loi")),
}
#: What the namespace holds before any option is read (argparse's defaults, and the handler).
CHECK_DEFAULTS = {
    "command": "check", "json": False, "annotate": None, "regime": None, "unit": None, "period": None,
    "history": None, "key": None, "unsigned": "canh-bao", "handler": "xlcchc.check:cli_check",
}


def plain_args(words: list[str]) -> SimpleNamespace | None:
    """The namespace of a plain `check` command line (see the module's docstring), or None."""
    if not words or words[0] != "check":
        return None
    values: dict[str, object] = dict(CHECK_DEFAULTS)
    files: list[str] | None = None
    i, n = 1, len(words)
    while i < n:
        word = words[i]
        if not word.startswith("-"):
            if files is not None:
                return None  # a second run of files: argparse's error
            j = i
            while j < n and not words[j].startswith("-"):
                j += 1
            files, i = words[i:j], j
            continue
        option = CHECK_OPTIONS.get(word)
        if option is None:
            return None
        dest, takes = option
        if takes is None:
            values[dest] = True
            i += 1
            continue
        if i + 1 >= n or words[i + 1].startswith("-") or (takes is not True and words[i + 1] not in takes):
            return None
        values[dest] = words[i + 1]
        i += 2
    if files is None:
        return None
    values["files"] = files
    return SimpleNamespace(**values)
