"""Regenerate the pictures of the user guide (docs/img/*.png) from a sample return, printed by LibreOffice.

Run from the repository root: `python scripts/guide_pictures.py`. Each picture is one page of the
return's PDF cropped to what it shows (the cover's table, the top of Biểu mẫu 3 with its coloured cells,
the first rules of the Kiểm tra sheet) at a resolution where the text reads as on paper. The crop box is
found from the page's own words (`pdftotext -bbox`), so a change of layout moves the crop with it.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from xlcchc.office import to_pdf  # noqa: E402

SAMPLE = ROOT / "samples" / "bao-cao-2022" / "BC_CCHC_2022_H-NGA-SON.xlsx"
OUT = ROOT / "docs" / "img"
DPI = 130
MARGIN_PT = 10
PAGE_W, PAGE_H = 595.3, 841.9  # A4 portrait, points

#: picture → (first words of the page, the last word to show, counted from the top of the page).
PICTURES = {
    "bia.png": ("THỐNG KÊ SỐ LIỆU", None),
    "bieu-mau-3.png": ("Biểu mẫu 3", "3.2.2."),
    "trang-kiem-tra.png": ("KIỂM TRA SỐ LIỆU", None),
}
KIEM_TRA_ROWS = 14  # rules shown on the Kiểm tra picture


def _words(pdf: Path, page: int) -> list[tuple[float, float, float, float, str]]:
    html = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    pat = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
    return [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in pat.findall(html)]


def _page_of(pdf: Path, start: str) -> int:
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                          text=True, check=True).stdout).group(1))
    for p in range(1, pages + 1):
        text = subprocess.run(["pdftotext", "-f", str(p), "-l", str(p), "-layout", str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
        if first.replace("  ", " ").startswith(start):
            return p
    raise SystemExit(f"no page starting with {start!r}")


def _crop(pdf: Path, page: int, last_word: str | None, name: str, rows: int | None = None) -> Path:
    words = [w for w in _words(pdf, page) if w[1] < PAGE_H * 0.92]  # not the footer
    if last_word is not None:
        bottom = min(w[3] for w in words if w[4] == last_word)
        words = [w for w in words if w[1] <= bottom]
    elif rows is not None:
        lines = sorted({round(w[1]) for w in words})
        cut = lines[min(rows, len(lines) - 1)]
        words = [w for w in words if w[1] <= cut]
    x0, y0 = min(w[0] for w in words) - MARGIN_PT, min(w[1] for w in words) - MARGIN_PT
    x1, y1 = max(w[2] for w in words) + MARGIN_PT, max(w[3] for w in words) + MARGIN_PT
    x1 = max(x1, PAGE_W - x0)  # tables are centred: their right border lies as far from the edge as the left
    k = DPI / 72
    out = OUT / name
    subprocess.run(["pdftoppm", "-png", "-singlefile", "-r", str(DPI), "-f", str(page), "-l", str(page),
                    "-x", str(int(x0 * k)), "-y", str(int(y0 * k)), "-W", str(int((x1 - x0) * k)),
                    "-H", str(int((y1 - y0) * k)), str(pdf), str(out.with_suffix(""))], check=True)
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        pdf = to_pdf(SAMPLE, tmp)
        for name, (start, last) in PICTURES.items():
            page = _page_of(pdf, start)
            rows = KIEM_TRA_ROWS if name == "trang-kiem-tra.png" else None
            print(_crop(pdf, page, last, name, rows).relative_to(ROOT))


if __name__ == "__main__":
    main()
