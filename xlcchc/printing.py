"""Printing helpers shared by the documents xlcchc writes for paper (the appendix, TONG_HOP.xlsx).

Neither Excel nor LibreOffice reliably fits row heights or chooses good page breaks in a generated file,
so the program measures text itself (Times New Roman metrics), sets every row's height, and places the
page breaks: a heading never at the foot of a page, a section kept together where it fits.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only a type here: `check` measures no text, and need not import xlsxwriter
    import xlsxwriter

FONT = "Times New Roman"
BODY_PT = 12
TITLE_PT = 13
DEFAULT_ROW_PT = 15.75

# Page set-up of an administrative document (Nghị định 30/2020: top/bottom 2 cm, left 3 cm, right 1.5–2 cm).
CM = 1 / 2.54
MARGINS = dict(left=3.0 * CM, right=1.5 * CM, top=2.0 * CM, bottom=2.0 * CM)
A4 = 9
FOOTER = '&C&"Times New Roman,Regular"&11Trang &P'

#: Width between the margins of an A4 page (21 − 3 − 1.5 cm portrait, 29.7 − 3 − 1.5 cm landscape), px at 96 dpi.
PAGE_PX = int((21.0 - 3.0 - 1.5) * 96 / 2.54)  # 623
LANDSCAPE_PX = int((29.7 - 3.0 - 1.5) * 96 / 2.54)  # 952




class Styles:
    """Cell formats, created once per workbook (xlsxwriter keeps one record per distinct format)."""

    def __init__(self, wb: xlsxwriter.Workbook):
        self.wb = wb
        self._cache: dict[tuple, Any] = {}

    def get(self, **props: Any) -> Any:
        props.setdefault("font_name", FONT)
        props.setdefault("font_size", BODY_PT)
        key = tuple(sorted(props.items()))
        fmt = self._cache.get(key)
        if fmt is None:
            fmt = self._cache[key] = self.wb.add_format(props)
        return fmt

    def cell(self, *, bold: bool = False, align: str = "left", size: int = BODY_PT, num: str | None = None) -> Any:
        props: dict[str, Any] = dict(
            border=1, text_wrap=True, valign="vcenter", align=align, bold=bold, font_size=size
        )
        if num:
            props["num_format"] = num
        return self.get(**props)

    def header(self, size: int = BODY_PT) -> Any:
        return self.get(border=1, bold=True, text_wrap=True, align="center", valign="vcenter", font_size=size)

    def title(self, size: int = TITLE_PT, *, bold: bool = True, italic: bool = False) -> Any:
        return self.get(
            bold=bold, italic=italic, align="center", valign="vcenter", text_wrap=True, font_size=size
        )




def page_setup(ws: Any, *, landscape: bool, header_rows: tuple[int, int] | None, repeat_cols: int = 0) -> None:
    ws.set_paper(A4)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(**MARGINS)
    ws.set_footer(FOOTER, {"margin": 0.8 * CM})
    ws.center_horizontally()
    if header_rows is not None:
        ws.repeat_rows(*header_rows)
    if repeat_cols:
        ws.repeat_columns(0, repeat_cols - 1)
    if not landscape:
        ws.fit_to_pages(1, 0)  # never cut a column off; the widths are chosen so that no shrinking is needed
    ws.hide_gridlines(2)


# Advance widths (1/1000 em) of Times New Roman for the printable ASCII characters, space to `~`, regular
# and bold: the standard Times metrics (Liberation Serif, which LibreOffice uses in its place, has the same).
TIMES_REGULAR = (
    "250 333 408 500 500 833 778 180 333 333 500 564 250 333 250 278 500 500 500 500 500 500 500 500 500 500 "
    "278 278 564 564 564 444 921 722 667 667 722 611 556 722 722 333 389 722 611 889 722 722 556 722 667 556 "
    "611 722 722 944 722 722 611 333 278 333 469 500 333 444 500 444 500 444 333 500 500 278 278 500 278 778 "
    "500 500 500 500 333 389 278 500 500 722 500 500 444 480 200 480 541"
)
TIMES_BOLD = (
    "250 333 555 500 500 1000 833 278 333 333 500 570 250 333 250 278 500 500 500 500 500 500 500 500 500 500 "
    "333 333 570 570 570 500 930 722 667 722 722 667 611 778 778 389 500 778 667 944 722 778 611 778 722 556 "
    "667 722 722 1000 722 722 667 333 278 333 581 500 333 500 556 444 556 444 333 500 556 278 333 556 278 833 "
    "556 500 556 556 444 389 333 556 500 722 500 500 444 394 220 394 520"
)
WIDTHS = {
    bold: {chr(32 + n): int(w) for n, w in enumerate(table.split())}
    for bold, table in ((False, TIMES_REGULAR), (True, TIMES_BOLD))
}
SAFETY = 1.06  # spreadsheets lay text out a little wider than the font's advances (hinting, rounding)
CELL_PAD_PX = 7  # the cell's inner margins and border


def char_width(ch: str, bold: bool) -> int:
    table = WIDTHS[bold]
    if ch in table:
        return table[ch]
    if ch == "\u200b":
        return 0
    if ch in "…—":  # the ellipsis and the em dash are a full em wide in Times
        return 1000
    if ch == "–":
        return 500
    if ch in "đĐ":
        return table["d" if ch == "đ" else "D"]
    base = unicodedata.normalize("NFD", ch)[:1]  # Vietnamese letters are as wide as their base letter
    return table.get(base, 556)


#: `char_width` of every character met so far, per weight: a text's advances are then summed by `map`
#: over the dict (one C loop) instead of one call of `char_width` per character; the same integers.
_ADVANCES: dict[bool, dict[str, int]] = {False: {}, True: {}}


@functools.lru_cache(maxsize=65536)  # words recur in every sheet, and in every province of a national run
def text_px(text: str, size_pt: float, bold: bool) -> float:
    em_px = size_pt * 96 / 72
    known = _ADVANCES[bold]
    try:
        advances = sum(map(known.__getitem__, text))
    except KeyError:  # a character not met yet (at most once per character and weight)
        for c in set(text).difference(known):
            known[c] = char_width(c, bold)
        advances = sum(map(known.__getitem__, text))
    return advances * em_px / 1000 * SAFETY


#: The widest advance `char_width` gives any character (1 em, in 1/1000 em).
WIDEST = 1000


def lines(text: str, width_px: float, size_pt: float, *, bold: bool = False, keep: bool = True) -> int:
    """How many lines `text` takes in a wrapped cell `width_px` wide (word wrap, Times metrics).

    Neither Excel nor LibreOffice reliably fits row heights of a generated file when it opens it (and
    never for merged cells), so the program sets every row's height itself from this measure.

    A one-line text too short to fill the cell even if every character were the widest is 1 line without
    measuring it (the measure's words and spaces are never wider): TONG_HOP measures a file name per
    file, and each distinct text kept in the measure's cache was ~0.7 KiB a file for the merge (issue 17).
    The bound keeps a margin of 1e-9 so that rounding never makes it say 1 where the measure says 2.
    With `keep=False` the text, and any long word of it, is measured without entering the caches: a caller
    that keeps its own measures (TONG_HOP's row heights, forgotten after each workbook) would otherwise
    leave every unit's file name and detail here (~0.4 KiB a file in the merge's parent, issue 17).
    """
    if type(text) is str and "\n" not in text:
        if len(text) * WIDEST * (size_pt * 96 / 72) / 1000 * SAFETY < max(width_px - CELL_PAD_PX, 1.0) * (1 - 1e-9):
            return 1
    if keep:
        return _lines(text, width_px, size_pt, bold=bold)
    return _measure(text, width_px, size_pt, bold=bold, word_px=_passing_word_px)


#: Words up to this long are measured through `text_px`'s cache when a text is not kept: the vocabulary
#: recurs (a Vietnamese syllable is at most 7 letters), a file name or a hash is one word per file.
_KEPT_WORD = 12


def _passing_word_px(word: str, size_pt: float, bold: bool) -> float:
    """`text_px` of a word of a text not kept: a long word is measured without entering the cache."""
    return text_px(word, size_pt, bold) if len(word) <= _KEPT_WORD else text_px.__wrapped__(word, size_pt, bold)


def _measure(text: str, width_px: float, size_pt: float, *, bold: bool = False, word_px=text_px) -> int:
    """`lines` measured word by word (each word by `word_px`, `text_px` or one that keeps fewer words)."""
    usable = max(width_px - CELL_PAD_PX, 1.0)
    space = text_px(" ", size_pt, bold)
    total = 0
    for para in str(text).split("\n"):
        # a no-break space (U+00A0) keeps its words on one line; a zero-width space (U+200B) may break
        words = [w for w in para.replace("\u200b", " ").split(" ") if w]
        if not words:
            total += 1
            continue
        lines, cur = 1, 0.0
        for w in words:
            wlen = word_px(w, size_pt, bold)
            while wlen > usable:  # a word longer than the cell is broken by the spreadsheet
                if cur > 0:
                    lines += 1
                    cur = 0.0
                wlen -= usable
                lines += 1
            add = wlen if cur == 0 else wlen + space
            if cur + add > usable and cur > 0:
                lines += 1
                cur = wlen
            else:
                cur += add
        total += lines
    return total


_lines = functools.lru_cache(maxsize=16384)(_measure)  # the same labels are measured in every sheet and workbook


def balanced(text: str, width_px: float, size_pt: float, bold: bool) -> str:
    """A title too long for one line, broken into two lines of similar length (as a typist would).

    Left to itself the spreadsheet fills the first line and leaves one word on the second. A break is
    never put inside a word of two syllables (`CÔNG TÁC`, `HÀNH CHÍNH`: `KEEP_TOGETHER`) or after a
    number (`6 tháng`) unless no other break fits.
    """
    if "\n" in text or lines(text, width_px, size_pt, bold=bold) != 2:
        return text
    words = text.split(" ")
    best = None
    for k in range(1, len(words)):
        a, b = " ".join(words[:k]), " ".join(words[k:])
        wa, wb = text_px(a, size_pt, bold), text_px(b, size_pt, bold)
        if max(wa, wb) > width_px - CELL_PAD_PX:
            continue
        cost = abs(wa - wb) + (10_000 if not breakable(words[k - 1], words[k]) else 0)
        if best is None or cost < best[0]:
            best = (cost, a + "\n" + b)
    return best[1] if best else text


#: Vietnamese words of two syllables that the catalogs' titles and headers use: a line never breaks
#: between their syllables. Lower case; compared without regard to case.
KEEP_TOGETHER = frozenset(
    """công tác|cải cách|hành chính|thống kê|số liệu|kết quả|thực hiện|thanh hóa|thủ tục|chính quyền|
    điện tử|tổ chức|bộ máy|công vụ|tài chính|chỉ đạo|điều hành|thể chế|phát triển|xây dựng|báo cáo|
    đơn vị|chỉ tiêu|ghi chú|tình hình|kiểm tra|tổng hợp|điều chỉnh|nhiệm vụ|kế hoạch|sử dụng|
    hàng quý|phụ lục|phụ biểu|biểu mẫu|cách tổng|ủy ban|nhân dân|sở nội|nội vụ|chính thức|dự thảo""".replace("\n", "").split("|")
)


def breakable(before: str, after: str) -> bool:
    """May a line break between these two words? Not inside a two-syllable word, not after a number."""
    a = before.strip("(),.;:").lower()
    b = after.strip("(),.;:").lower()
    if a.replace(".", "").isdigit():
        return False
    return f"{a} {b}" not in {w.strip() for w in KEEP_TOGETHER}


def keep_together(text: str) -> str:
    """The text with no-break spaces where a wrapping cell must not break (`6 tháng`, `CÔNG TÁC`).

    For cells the spreadsheet wraps itself (column headers): Excel and LibreOffice both keep words
    joined by U+00A0 on one line.
    """
    words = text.split(" ")
    if len(words) < 2:
        return text
    out = [words[0]]
    for w in words[1:]:
        out.append("\u00a0" if not breakable(out[-1].split("\u00a0")[-1], w) else " ")
        out.append(w)
    return "".join(out)


def height(lines: int, size_pt: float) -> float:
    """Row height in points for `lines` lines of text (line spacing of Times, plus the cell's margins).

    Rounded down to whole pixels (0.75 pt), as the file stores it, so that page breaks add up exactly.
    """
    return int((max(lines, 1) * size_pt * 1.17 + 4) * 4 / 3) * 0.75


def fit_row(ws: Any, row: int, cells: list[tuple[str, float, float, bool]]) -> float:
    """Set the row's height to the tallest of its wrapped cells: (text, column width px, size pt, bold).

    Returns the height in points (the default row height when no cell has text), for `page_breaks`.
    """
    need = max((height(lines(t, w, size, bold=b), size) for t, w, size, b in cells if t), default=None)
    if need is not None:
        ws.set_row(row, need)
        return need
    return DEFAULT_ROW_PT


def longest_word_px(texts: list[str], size_pt: float, bold: bool = False) -> float:
    """The width of the widest unbreakable token (a number such as 1.030.567/1.039.181, a URL) in `texts`."""
    return max((text_px(w, size_pt, bold) for t in texts for w in str(t).replace("\u200b", " ").split()), default=0.0)


# --- page breaks -------------------------------------------------------------------------------------------

#: Printable height of an A4 page between the margins (29.7 − 2 − 2 cm), in points, and in landscape.
BODY_PT_PORTRAIT = (29.7 - 2.0 - 2.0) / 2.54 * 72
BODY_PT_LANDSCAPE = (21.0 - 2.0 - 2.0) / 2.54 * 72
#: Row heights are estimates: a page is filled to this share so that the spreadsheet never needs a break
#: of its own before ours (which would leave a page holding one row).
FILL = 0.995


@dataclass(frozen=True)
class Line:
    """One printed row for pagination: its row index, height (pt), depth (0 = a section of the form) and
    whether it must stay on the page of the row after it (a heading, a parent row above its children)."""

    row: int
    height: float
    level: int = 0
    keep: bool = False


def page_breaks(rows: list[Line], *, first_page: float, other_pages: float) -> list[int]:
    """Rows (0-based) that start a new page, chosen as a typesetter would.

    `first_page` / `other_pages`: the height left for table rows on the first page (after titles and the
    table header) and on the next ones (after the repeated header). Each page is filled greedily, then
    the break is moved up to the start of the latest section (level 0), or failing that of a level-1
    group, lying in the last quarter (eighth) of the page, so that a section heading never stands alone at the foot
    of a page and a page rarely holds a few rows spilled from the previous one; a heading row always
    goes with the row after it. Finally, when the last page would hold fewer than `MIN_TAIL` rows, the
    previous break moves up so that it holds more.
    """
    breaks: list[int] = []
    i, n = 0, len(rows)
    room = first_page * FILL
    while i < n:
        used, j = 0.0, i
        while j < n and used + rows[j].height <= room:
            used += rows[j].height
            j += 1
        if j >= n:
            break
        j = i + 1 if j == i else _better_break(rows, i, j, room)  # a row taller than a page goes alone
        breaks.append(rows[j].row)
        i, room = j, other_pages * FILL
    if breaks:
        _lengthen_tail(rows, breaks, other_pages * FILL)
    return breaks


MIN_TAIL = 4


def _better_break(rows: list[Line], start: int, end: int, room: float) -> int:
    """Within page rows[start:end], the row to start the next page with (see `page_breaks`)."""
    used = sum(r.height for r in rows[start:end])
    for level, share in ((0, 0.75), (1, 0.88)):
        acc = used
        for k in range(end - 1, start, -1):
            acc -= rows[k].height
            if acc < room * share:
                break
            if rows[k].level <= level and not rows[k - 1].keep:
                return k
    k = end
    while k - 1 > start and rows[k - 1].keep:
        k -= 1
    return k


def _lengthen_tail(rows: list[Line], breaks: list[int], room: float) -> None:
    """Move the last break up until the last page holds `MIN_TAIL` rows (while they fit on it)."""
    index = {r.row: n for n, r in enumerate(rows)}
    k = index[breaks[-1]]
    floor = (index[breaks[-2]] if len(breaks) > 1 else 0) + 1
    tail = sum(r.height for r in rows[k:])
    while len(rows) - k < MIN_TAIL and k - 1 > floor and tail + rows[k - 1].height <= room:
        k -= 1
        tail += rows[k].height
    # Nor does the last page start inside a group (3.3.2 without its 3.3 and 3.3.1): the group moves
    # over whole when it fits.
    if rows[k].level >= 2:
        g = k - 1
        while g > floor and rows[g].level >= rows[k].level:
            g -= 1
        extra = sum(r.height for r in rows[g:k])
        if g > floor and tail + extra <= room:
            k, tail = g, tail + extra
    while k - 1 > floor and rows[k - 1].keep:
        k -= 1
    breaks[-1] = rows[k].row
