"""Skeletons of sheets already scanned: a sheet laid out like one seen before is checked where it differs.

Returns of one template differ from each other in their values, not in their layout, yet the full scan
(`sheet._PlainSheet.full_scan`) pays ~4,700 instructions for each of a sheet's ~150 cells: the patterns
over every row and cell, the address of every cell, the translate over every byte. After the full scan
has accepted a sheet S0, its *skeleton* is kept: the cells' pieces (`region.split(b'<c r="')`) and the
address → piece index, keyed by the bytes of S0 before `<sheetData` themselves (an exact comparison of
the bytes, never a hash, a size or a name). A later sheet D whose bytes before `<sheetData` are the same
is split the same way; `map(operator.ne, …)` finds the pieces that differ at C speed, and only those are
looked at. `fit` answers (pieces, index) only when the full scan would accept D and give the same
addresses with these same pieces; anything else is left to the full scan, which has the last word.

Why the answer is the full scan's (S0 accepted by the full scan; the proof follows its checks in order).
Write S0 = H0 · R0 · T0 and D = H · R · T, where H ends with `<sheetData>`, R is the region (the inside of
sheetData) and T starts at the last `</sheetData>`. `fit` requires:
  (a) H = H0 (the key, plus the literal `<sheetData>`); T starts with `</sheetData>`, and T is T0 — or
      the tail of a later sheet `fit` accepted (`_Skeleton.tails`; by induction what follows holds with
      it in the place of T0: it is a WF document's tail after H0 and a region of balanced rows) — but for
      a stretch (`_plain_tail`) that, taken from the last `<` before the change to the first `<` after it
      (tags start there in T0, being WF: well-formed, and the same bytes in T), is a sequence of plain
      tokens (`_TOKENS`: names without prefix, double-quoted values, text; `&` only in a reference) holding no
      `xmlns`, no `sheetData` (but T's first tag) and no control byte, whose bytes pass `chars_ok`, and
      whose markup (names of tags and attributes, values and text taken out) is T0's stretch's, or has no
      attribute twice in a tag and, once the elements wholly inside each stretch are taken out, leaves
      the same markup as T0's (`_residue`: it closes and opens the same elements);
  (b) R.split(b'<c r="') has as many pieces as R0's, the first one (before any cell) the same, and each
      piece i that differs is `a_i"` · u_i where the skeleton's piece is `a_i"` · u0_i with the same
      address a_i, and u_i, u0_i are both a *unit*: either a cell `_CELL` followed by the same bytes
      in both, or a cell followed by a row boundary `_NEXT_ROW` (`</row><row r="N" …>`) in both
      (`_same_unit` may take a shortcut: the part of a cell before its last text run the same as the
      skeleton's, which is a `_CELL`'s, and that run a `_RUN`: together, again a `_CELL`);
  (c) no `xmlns` in R (the full scan's own check);
  (d) the differing pieces' bytes pass `wellformed.chars_ok` (UTF-8, no U+FFFE/U+FFFF, no `]]>`) and
      hold no `:sheetData` (a text may: the full scan's literal check would then decline D);
and the caller checks the conditions of `_plain_form` on D's first 400 and last 64 bytes itself.
A unit holds no control byte, no `"` outside attribute values, and its every `<` begins `<v>`, `</v>`,
`<f>`, `</f>`, `<is>`, `</is>`, `<t`, `</t>`, `</c>`, `</row>` or `<row ` (text excludes `<`); its `&`
begins one of the five predefined entities; its tags have fixed attributes, each at most once.

Lemma. Let w be a literal that starts with `<`, holds no `"` and does not begin like one of those tags
(`<!`, `<?`, `<c`, `<extLst`, `<sheetData`, `</sheetData>` qualify). Then w occurs in R exactly as often
as in R0. An occurrence starts at a `<`, so not inside a unit; were it to overlap a unit it would hold
the byte just before it, the `"` closing a_i. So it lies in a stretch outside every differing unit, and
those stretches are the same bytes in R and R0 (in the same order), and conversely.
Likewise in T: an occurrence of a literal holding at most one `<`, its first byte (`<!`, `<?`, `sheetData`,
`:sheetData`), lies in T's first or last bytes shared with T0 (which has none of them: S0's one
`<sheetData` is before T0, its `<?` if any at its start) or wholly within the stretch of (a), which starts
and ends at a `<`; there (a) excludes them (`_TOKENS` has no `<!`, `<?`).

The full scan's checks on D:
- `wellformed.prolog` (declaration, root): H = H0. `:sheetData` in D: not in H, nor in R (outside the
  units R0's bytes, the units by (d); none across a seam: it holds no `"`), nor in T (above).
- `_plain_form`: no `<!` in H (= H0), in R (lemma, none in R0) or T (a); none across the seams either
  (H ends with `>`, T starts with `</`). No control byte: H, T (a), R outside the units (from R0), the
  units (their grammar). `<?`: S0 has at most one, at its start (after a BOM), so inside H0; R0 has none,
  hence R none (lemma), T none (a): D has the same count and starts with the same bytes. The first
  400 and last 64 bytes: checked by the caller.
- `_sheet_data`: D's first `<sheetData` is at the end of H, the key's end; no second one in H (=H0), R
  (lemma) or T (a), nor across a seam (its only `<` is its first byte, `>` ends H, `<` starts T). The
  prefix is S0's, so the `<extLst` and depth checks answer as for S0. After `<sheetData>`, the first
  `</sheetData>` is T's first (none in R by the lemma, none across the seam, its only `<` being first),
  and it is the last one (`rfind`): the region is R.
- `xmlns` in R: (c). `<extLst` in R: the lemma (none in R0).
- `_ROWS.fullmatch(R)`: `_ROWS` accepts the language of the backtracking pattern (tests/test_read_scanner.py).
  In R0 every `<c r="` begins a cell token (a `<c` followed by a space can stand nowhere else: tags hold
  no `<`, cell bodies no `<c\\s`), and the token beginning `<c r="a_i"u0_i` ends where the cell of u0_i
  ends (the first `>` of a self-closing tag, else the body's first `</c>`, and `_CELL` has no other
  `</c>` nor text `<`). After it, the same bytes follow in R and R0, or a row boundary that must close
  the row (`</row>`: no cell starts there) and open the next row (`<row r="N" …>` whose attributes hold
  no `<`, `>` or `/`) in both. `<c r="a_i"` + D's cell is a cell token of the same kind, so the parse of
  R0 with R's units in place of R0's is a parse of R.
- The cells: `region.count(b"<c")` is R0's (lemma), which equals the pieces' count; every piece i
  starts with a valid address a_i and `"`, so `_C_START.findall` gives S0's addresses, in order (the
  occurrences of `<c r="` cannot overlap), with no duplicate, and the same index addr → piece.
- `wellformed.well_formed(D)` (expat): D's tokens are S0's with each differing unit's tokens replaced
  and T0's stretch replaced. A unit is a whole `c` element of fixed attributes and lexically valid text
  (its grammar, (d)), or that and `</row><row …>` in both, closing and opening the same element: the
  open elements around it, and the namespaces in scope (no `xmlns` in R, no prefix in a unit) are S0's.
  T's stretch has T0's markup, or closes and opens the same elements as T0's, all of its tags with each
  attribute once and no prefix, its text and values valid tokens ((a): `_TOKENS`, `chars_ok`). So every
  element is closed in order, no tag has an attribute twice, every reference and character is allowed:
  D is WF as S0 is.
So the full scan accepts D, with the pieces `fit` returns; `_PlainSheet.get` reads only its piece.
"""

from __future__ import annotations

import operator
import re
from itertools import compress

from ..lazy_pattern import LazyPattern
from .wellformed import ADDRESS, CONTROL_CLASS, KEEP_CONTROL, chars_ok

# Text of a unit: no `<`, no control byte, `&` only in one of the five predefined entities (a character
# reference, which `chars_ok` would have to look at, is left to the full scan).
# Written as an unrolled loop (a run, then entity and run pairs): the usual text, without `&`, is one
# possessive repeat, not a group entered per run (~1,000 instructions less a unit: ~70 units a sheet).
_TEXT = rb"[^<&" + CONTROL_CLASS + rb"]*+(?:&(?:lt|gt|amp|quot|apos);[^<&" + CONTROL_CLASS + rb"]*+)*+"
# A cell after `<c r="A1"`: at most ` s` then ` t`, and nothing, a value, a formula and its value, or one
# inline run: the shapes programs write. Text holds no `<` and no control byte. The last text run is a
# group (1, 2 or 3), closed by `_CLOSING[group]`.
_CELL_SHAPE = (
    rb'(?: s="[0-9]++")?+(?: t="[A-Za-z]++")?+'
    rb"(?:/>|><v>(" + _TEXT + rb")</v></c>|><f>" + _TEXT + rb"</f><v>(" + _TEXT + rb")</v></c>"
    rb'|><is><t(?: xml:space="preserve")?+>(' + _TEXT + rb")</t></is></c>)"
)
_ADDRESS_SHAPE = ADDRESS + rb'"'
# One row ends and the next begins (row heights follow the notes' lengths, so they change): the row's
# attributes in the schema's order (the order programs write them), so none twice; values without `<`,
# `>`, `/`, `&` or control byte.
_ROW_VALUE = rb'="[^"<>/&' + CONTROL_CLASS + rb']*+"'
_NEXT_ROW_SHAPE = rb'</row><row r="[0-9]++"' + b"".join(
    rb"(?: " + name + _ROW_VALUE + rb")?+"
    for name in (b"spans", b"s", b"customFormat", b"ht", b"hidden", b"customHeight", b"outlineLevel",
                 b"collapsed", b"thickTop", b"thickBot", b"ph")
) + rb">"
# Where the bytes after the cells differ from the skeleton's: XML tokens of a plain form (tags whose
# names are ASCII, attributes in double quotes, text; `&` only in a reference, by `chars_ok`), and what is left of
# them when the attribute values and the text are taken out (`_MARKUP.sub(b"", …)`: the tags' names, their
# attributes' names, in order), which must be the skeleton's — or, once every element wholly inside the
# stretch is taken out (`_PAIR`, innermost first), what is left must be (`_residue`). `_REPEATED` finds an
# attribute named twice in one tag of that markup (a tag's markup holds no `<`).
_NAME = rb"[A-Za-z_][\w.-]*+"  # no prefix: nothing there depends on the namespaces in scope
_TOKENS_SHAPE = (  # `&`, control bytes and characters are checked by `_plain_tail` on the whole stretch
    rb"(?:<" + _NAME + rb'(?:\s++' + _NAME + rb'="[^"<]*+")*+\s*+/?>|</' + _NAME + rb"\s*+>|[^<]++)*+"
)
# The compiled patterns (~5 M instructions to compile), made when a later sheet's piece first differs from
# a skeleton's (`_Skeleton.unit`), not when the module is imported nor when a skeleton is kept: a cold
# `check` of one return keeps the skeletons of its sheets but never has one laid out like another.
_CELL = _VALUE_RUN = _ADDRESS = _NEXT_ROW = None
# Those of a changed tail only when a tail differs: a cold `check` keeps skeletons but never fits one.
_TOKENS, _MARKUP = LazyPattern(_TOKENS_SHAPE), LazyPattern(rb'"[^"]*+"|>[^<]*+')
_PAIR = LazyPattern(rb"<(" + _NAME + rb")(?:\s[^<>]*+)?+(?<!/)>[^<]*+</\1\s*+>|<" + _NAME + rb"[^<>]*+(?<=/)>")
_REPEATED = LazyPattern(rb"\s(" + _NAME + rb")=(?=[^<]*?\s\1=)")
_RUN: dict = {}


def _compile() -> None:
    global _CELL, _VALUE_RUN, _ADDRESS, _NEXT_ROW
    _CELL, _VALUE_RUN = re.compile(_CELL_SHAPE), re.compile(_TEXT + rb"</v></c>")
    _RUN.update({1: _VALUE_RUN, 2: _VALUE_RUN, 3: re.compile(_TEXT + rb"</t></is></c>")})  # a last run, its close
    _ADDRESS, _NEXT_ROW = re.compile(_ADDRESS_SHAPE), re.compile(_NEXT_ROW_SHAPE)
_KEPT = 64  # skeletons kept in a process (a regime's sheets, a few variants each); the oldest goes first
# Bytes the kept skeletons may hold in all. They outlive their return: the zip caps bound one return's sheets
# (32 MB each), not 64 returns' together (an attacker's 64 returns with a big sheet each, laid out a little
# differently: ~4 GB held by a worker). A skeleton costs about its sheet's bytes twice (key, region and tail;
# the pieces), ~90 bytes a piece (measured with tracemalloc), and once a later sheet's piece differs, that
# piece's unit (a tuple of slices: its bytes again, ~200 more); a real return's sheets ~0.8 MB in all so.
_KEPT_BYTES = 32 << 20
_PIECE_BYTES = 300
_TAILS, _TAIL_BYTES = 4, 16 << 10  # tails a skeleton keeps (`_Skeleton.keep_tail`), and the longest kept


# What `fit` knows of a skeleton's piece that is a unit: its address and `"`; its bytes up to its last text
# run (b"" for a cell without text) and the pattern of that run and its closing tags; the bytes after
# its cell, and whether they are a row boundary.
_Unit = tuple[bytes, bytes, "re.Pattern[bytes] | None", bytes, bool]


class _Skeleton:
    """A sheet the full scan accepted: its region, pieces, index, the bytes after its cells (and those of
    a few later sheets `fit` accepted: `tails`), and the units (module doc) of its pieces, worked out when
    a later sheet's piece differs."""

    __slots__ = ("region", "pieces", "index", "tails", "units", "size")

    def __init__(self, region: bytes, pieces: list[bytes], index: dict[bytes, int], tail: bytes, size: int):
        self.region, self.pieces, self.index, self.tails = region, pieces, index, [tail]
        self.units: dict[int, _Unit | None] = {}
        self.size = size  # the bytes it holds, about (`_KEPT_BYTES`)

    def plain_tail(self, tail: bytes) -> bool:
        """`_plain_tail` against the kept tail of the nearest length. Units of one kind share their data
        validations and differ in a footer; another kind's validations differ from the first sheet's, and
        checking that stretch (`_residue`) costs ~10× a footer's: keeping its tail makes it once a kind."""
        tails = self.tails
        return tail in tails or _plain_tail(tail, min(tails, key=lambda t: abs(len(t) - len(tail))))

    def keep_tail(self, tail: bytes) -> None:
        """Remember an accepted sheet's tail (at most `_TAILS`, the first sheet's always kept, each
        counted in `size`; a tail past `_TAIL_BYTES` is not kept: real ones are ~5 KB)."""
        if len(tail) > _TAIL_BYTES or tail in self.tails:
            return
        if len(self.tails) >= _TAILS:
            self.size -= len(self.tails.pop(1))
        self.tails.append(tail)
        self.size += len(tail)

    def unit(self, i: int) -> _Unit | None:
        """What `fit` knows of piece i when it is a unit (`_Unit`), else None."""
        if i in self.units:
            return self.units[i]
        if _CELL is None:  # the first piece that differs in this process (`_same_unit` comes after)
            _compile()
        old, u = self.pieces[i], None
        a = _ADDRESS.match(old)
        m = _CELL.match(old, a.end()) if a else None
        if m is not None:
            g = m.lastindex
            fixed, run = (old[: m.start(g)], _RUN[g]) if g else (b"", None)
            u = (old[: a.end()], fixed, run, old[m.end() :], _NEXT_ROW.fullmatch(old, m.end()) is not None)
        self.units[i] = u
        return u


_SKELETONS: dict[bytes, _Skeleton] = {}


def keep(data: bytes, pieces: list[bytes], index: dict[bytes, int]) -> None:
    """Remember a sheet the full scan accepted (its region split into `pieces`, `index` addr → piece)."""
    start = data.find(b"<sheetData>")
    end = data.rfind(b"</sheetData>")
    if start < 0 or end < 0 or len(pieces) < 2:
        return  # an empty sheetData costs the full scan nothing worth skipping
    size = 3 * len(data) + _PIECE_BYTES * len(pieces)
    if size > _KEPT_BYTES // 4:
        return  # far larger than any real sheet: not worth a quarter of the budget
    key = data[:start]
    _SKELETONS.pop(key, None)
    held = sum(s.size for s in _SKELETONS.values())  # at most `_KEPT` of them, once per full scan
    while _SKELETONS and (len(_SKELETONS) >= _KEPT or held + size > _KEPT_BYTES):
        held -= _SKELETONS.pop(next(iter(_SKELETONS))).size
    _SKELETONS[key] = _Skeleton(data[start + 11 : end], pieces, index, data[end:], size)


def fit(data: bytes) -> tuple[list[bytes], dict[bytes, int]] | None:
    """(pieces, index) of a sheet laid out as a kept skeleton, as the full scan would give them; else None.

    The caller still checks `_plain_form`'s conditions on the first 400 and last 64 bytes (module doc).
    """
    start = data.find(b"<sheetData")
    skel = _SKELETONS.get(data[:start]) if start > 0 else None
    if skel is None or not data.startswith(b"<sheetData>", start):
        return None
    body, end = start + 11, data.rfind(b"</sheetData>")
    tail = data[end:]
    # The root ends once, at T's end (the caller's `_rooted`), as in T0, a WF document's tail: a stretch
    # that closes it and opens another root (`</worksheet><worksheet>`, or `<worksheet>x</worksheet>` after
    # it) is plain tokens with T0's residue, yet no longer one document (the strict parser refuses it).
    if tail.count(b"</worksheet") != 1 or b"<worksheet" in tail:
        return None
    if end < body or not skel.plain_tail(tail):
        return None
    region = data[body:end]
    if b"xmlns" in region:
        return None
    if region == skel.region:
        skel.keep_tail(tail)
        return skel.pieces, skel.index
    pieces, old = region.split(b'<c r="'), skel.pieces
    if len(pieces) != len(old) or pieces[0] != old[0]:
        return None
    differ = list(map(operator.ne, pieces, old))
    for i in compress(range(len(old)), differ):
        if not _same_unit(pieces[i], skel.unit(i)):
            return None
    units = b"".join(compress(pieces, differ))  # their text: what expat takes, no `:sheetData` (module doc)
    if b":sheetData" in units or not chars_ok(units):
        return None
    skel.keep_tail(tail)
    return pieces, skel.index


def _same_unit(new: bytes, unit: _Unit | None) -> bool:
    """The piece is the skeleton piece's address and a unit (module doc).

    A cell that is the skeleton's up to its last text run (same attributes, same formula: the usual
    change is a value) is a `_CELL` when that run and its closing tags are (`_RUN`); only they are
    looked at. Any other cell is matched whole.
    """
    if unit is None:
        return False
    head, fixed, run, after, boundary = unit
    m = run.match(new, len(fixed)) if fixed and new.startswith(fixed) else None
    if m is None:
        m = _CELL.match(new, len(head)) if new.startswith(head) else None
        if m is None:
            return False
    e = m.end()
    if len(new) - e == len(after) and new.endswith(after):
        return True
    return boundary and _NEXT_ROW.fullmatch(new, e) is not None


def _plain_tail(tail: bytes, old: bytes) -> bool:
    """The bytes after the cells are as well-formed as the skeleton's, and hold no `<!`, `<?`, `sheetData`
    but their first tag, nor control byte (module doc): looked at only from the last `<` before the bytes
    where they differ to the first `<` after them (the skeleton's bytes too, so tags begin there in both)."""
    if tail == old:
        return True
    p, q = _common_ends(tail, old, 256)
    lo, hi = max(tail.rfind(b"<", 0, p), 0), tail.find(b"<", len(tail) - q)
    hi = len(tail) if hi < 0 else hi
    stretch, was = tail[lo:hi], old[lo : hi - len(tail) + len(old)]
    if _TOKENS.fullmatch(stretch) is None or b"xmlns" in stretch or stretch.find(b"sheetData", 0 if lo else 3) >= 0:
        return False
    if stretch.translate(None, KEEP_CONTROL) or not chars_ok(stretch):
        return False
    markup = _MARKUP.sub(b"", stretch)
    if markup == _MARKUP.sub(b"", was):  # the usual change: a value or a text (the unit's name in a footer)
        return True
    return _REPEATED.search(markup) is None and _residue(stretch) == _residue(was)


def _residue(stretch: bytes) -> bytes:
    """The markup of what is left of a stretch of tokens once every element wholly inside it is taken out:
    the end tags of elements opened before it, then the start tags of those it leaves open (their names
    and their attributes' names). Two stretches with the same residue close and open the same elements."""
    n = 1
    while n:
        stretch, n = _PAIR.subn(b"", stretch)
    return _MARKUP.sub(b"", stretch)


def _common_ends(a: bytes, b: bytes, grain: int = 1) -> tuple[int, int]:
    """(p, q): a and b have the same first p bytes and the same last q, not overlapping in the shorter one,
    each less than `grain` short of the longest such (binary searches comparing halving slices at C
    speed: about 2·log2(n / grain) calls over n bytes in all; every C call costs, the bytes little)."""
    n, la, lb = min(len(a), len(b)), len(a), len(b)
    lo, hi = 0, n
    while hi - lo >= grain and lo < hi:  # a[:lo] == b[:lo], the longest such lo ≤ hi: compare only [lo, mid)
        mid = (lo + hi + 1) // 2
        if a.startswith(b[lo:mid], lo):
            lo = mid
        else:
            hi = mid - 1
    p, lo, hi = lo, 0, n - lo
    while hi - lo >= grain and lo < hi:  # the same from the ends: a[la - lo:] == b[lb - lo:]
        mid = (lo + hi + 1) // 2
        if a.endswith(b[lb - mid : lb - lo], 0, la - lo):
            lo = mid
        else:
            hi = mid - 1
    return p, lo
