"""cli_plain (a plain `xlcchc check` line read without argparse, for the cold check) gives argparse's own
namespace, or declines: its option table is the parser's, and on random command lines every line it reads
is read the same by the parser, with the same values."""

import contextlib
import io

from hypothesis import example, given, settings
from hypothesis import strategies as st

from xlcchc import cli
from xlcchc.cli_plain import CHECK_DEFAULTS, CHECK_OPTIONS, plain_args


def _check_parser():
    ap = cli.build_parser(only="check")
    (sub,) = [a for a in ap._actions if a.dest == "command"]
    return sub.choices["check"]


def test_option_table_is_the_parsers():
    parser = _check_parser()
    declared = {}
    for action in parser._actions:
        if action.dest == "help":
            continue
        if not action.option_strings:
            assert (action.dest, action.nargs) == ("files", "+")
            continue
        (option,) = action.option_strings
        takes = None if action.nargs == 0 else (tuple(action.choices) if action.choices else True)
        assert action.nargs in (0, None)
        declared[option] = (action.dest, takes)
    assert declared == CHECK_OPTIONS
    defaults = {a.dest: a.default for a in parser._actions if a.dest not in ("help", "files")}
    assert {**defaults, **parser._defaults, "command": "check"} == CHECK_DEFAULTS


def _argparse(words):
    """argparse's namespace as a dict, or None when it refuses the line (its message swallowed)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = cli._parse_args(words)
    except SystemExit:
        return None
    return None if args is None else vars(args)


_WORDS = st.sampled_from([
    "a.xlsx", "BC 2026.xlsx", "", "-", "-1", "--", "--json", "--js", "--json=1", "--annotate", "--annotate=o.xlsx",
    "o.xlsx", "--regime", "tinh-2022", "--unit", "SNV", "--period", "Năm 2022", "--history", "ls.sqlite",
    "--key", "k.key", "--unsigned", "loi", "canh-bao", "bao-loi", "-h", "--help", "--bogus", "check", "merge",
])


@settings(max_examples=600, derandomize=True, deadline=None)
@given(first=st.sampled_from(["check", "check", "check", "merge", "--json", "chec"]), rest=st.lists(_WORDS, max_size=7))
@example(first="check", rest=["a.xlsx", "--json"])
@example(first="check", rest=["--key", "k.key", "a.xlsx", "BC 2026.xlsx", "--unsigned", "loi"])
@example(first="check", rest=["a.xlsx", "--json", "o.xlsx"])
@example(first="check", rest=["", "--annotate", ""])
def test_plain_lines_read_as_argparse_reads_them(first, rest):
    words = [first, *rest]
    fast = plain_args(words)
    if fast is not None:
        assert vars(fast) == _argparse(words)


_FILE = st.sampled_from(["a.xlsx", "BC 2026.xlsx", "", "o.xlsx", "loi", "Năm 2022", "-", "-x.xlsx"])
_OPTION = st.one_of(
    st.just(["--json"]),
    st.tuples(st.sampled_from(sorted(o for o, (_, takes) in CHECK_OPTIONS.items() if takes is True)), _FILE).map(list),
    st.tuples(st.just("--unsigned"), st.sampled_from(["loi", "canh-bao", "bao-loi"])).map(list),
)


@settings(max_examples=400, derandomize=True, deadline=None)
@given(files=st.lists(_FILE, max_size=3), options=st.lists(_OPTION, max_size=4), at=st.integers(0, 4),
       second=st.lists(_FILE, max_size=2))
def test_well_formed_lines_with_files_anywhere(files, options, at, second):
    """Lines as people write them: one run of files among whole options (and sometimes a second run)."""
    groups = [*options[:at], files, *options[at:], second]
    words = ["check", *(w for g in groups for w in g)]
    values = [*files, *second, *(w for g in options for w in g[1:])]
    runs = int(bool(files or second)) if at >= len(options) else bool(files) + bool(second)  # of file names
    plain = runs == 1 and not any(w.startswith("-") or w == "bao-loi" for w in values)  # "bao-loi": no choice
    fast = plain_args(words)
    assert (fast is not None) == bool(plain)  # it declines only what it must
    if fast is not None:
        assert vars(fast) == _argparse(words)


def test_the_usual_lines_are_plain():
    for words in (["check", "a.xlsx"], ["check", "a.xlsx", "b.xlsx", "--json"], ["check", "--json", "a.xlsx"],
                  ["check", "a.xlsx", "--key", "k", "--unsigned", "loi", "--period", "Năm 2022"]):
        assert plain_args(words) is not None
        assert vars(plain_args(words)) == _argparse(words)
