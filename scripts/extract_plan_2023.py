"""One-off draft of `xlcchc/plan/data/kh-2023.toml`'s task tables from seed 003 (reproducible).

Seed 003's Phụ lục số 01–07 are tab-separated rows (TT, content, products, lead, partners, deadline) with
some cells in HTML lists. This prints the `[[task]]` tables; the TOML in the package is the source of
truth (reviewed against the seed by hand), this script only saved the typing.

    python scripts/extract_plan_2023.py /work/shared/seeds/003_*.txt > /tmp/tasks.toml
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata


def _clean(cell: str) -> str:
    cell = re.sub(r"<[^>]+>", " ", cell)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", cell)).strip()


def _items(cell: str) -> list[str]:
    """A cell's list items: HTML <li>s, or “- a. - b.” runs, or the whole cell."""
    if "<li>" in cell:
        parts = [_clean(p) for p in re.split(r"<li>", cell)[1:]]
    else:
        text = _clean(cell)
        parts = re.split(r"(?:^|\s)-\s+", text) if text.startswith("- ") else [text]
    out = []
    for p in parts:
        p = _clean(p)
        if p.startswith("- "):
            p = p[2:]
        if p:
            out.append(p)
    return out


def main(path: str) -> None:
    text = open(path, encoding="utf-8").read()
    annex = None
    for line in text.splitlines():
        m = re.match(r"\*\*Phụ lục số (\d\d):", line)
        if m:
            annex = m.group(1)
            continue
        if annex is None:
            continue
        cells = line.split("\t")
        if len(cells) != 6 or not re.fullmatch(r"\d+\.?", cells[0].strip()):
            continue
        number, content, products, leads, partners, deadline = cells
        print("[[task]]")
        print(f'annex = "{annex}"')
        print(f'number = "{number.strip()}"')
        print(f"content = {json.dumps(_clean(content), ensure_ascii=False)}")
        print(f"products = {json.dumps(_items(products), ensure_ascii=False)}")
        print(f"leads = {json.dumps(_items(leads), ensure_ascii=False)}")
        print(f"partners = {json.dumps(_items(partners), ensure_ascii=False)}")
        print(f"deadline = {json.dumps(_clean(deadline), ensure_ascii=False)}")
        print()


if __name__ == "__main__":
    main(sys.argv[1])
