"""The user guide as documents a Windows PC opens (issue 14, item 4): HTML with the pictures, PDF."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from xlcchc import guide
from xlcchc.excel import entry
from xlcchc.office import soffice_path

MD = guide.GUIDE_MD


def _headings(md: str) -> list[tuple[int, str]]:
    out, fenced = [], False
    for line in md.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"^(#{1,3}) (.+)$", line)):
            out.append((len(m.group(1)), m.group(2).strip()))
    return out


def _plain(fragment: str) -> str:
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def test_html_has_every_heading_and_every_picture_embedded(tmp_path):
    page = guide.build_guide(tmp_path / "huong-dan.html")
    text = page.read_text("utf-8")
    md = MD.read_text("utf-8")
    assert text.startswith("<!DOCTYPE html>") and '<html lang="vi">' in text and '<meta charset="utf-8">' in text
    got = [(int(m.group(1)), _plain(m.group(2))) for m in re.finditer(r"<h([1-3])>(.*?)</h\1>", text, re.S)]
    want = [(level, _plain(re.sub(r"[*`]", "", title))) for level, title in _headings(md)]
    assert got == want
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert pictures  # the guide shows the forms
    sources = re.findall(r'<img [^>]*src="([^"]+)"', text)
    assert len(sources) == len(pictures)
    for src, pic in zip(sources, pictures):
        mime, data = re.fullmatch(r"data:([\w/]+);base64,(.+)", src).groups()
        assert base64.b64decode(data) == (MD.parent / pic).read_bytes() and mime == "image/png"
    assert guide.build_guide(tmp_path / "again.html").read_bytes() == page.read_bytes()  # deterministic


def test_missing_picture_is_a_vietnamese_error(tmp_path):
    md = tmp_path / "huong-dan.md"
    md.write_text("# Hướng dẫn\n\n![Bìa](img/khong-co.png)\n", "utf-8")
    with pytest.raises(guide.GuideError, match="không có tệp"):
        guide.build_guide(tmp_path / "x.html", md)
    assert not (tmp_path / "x.html").exists()


def test_button_opens_an_html_page_rebuilt_when_the_guide_changes(tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(MD.parent, docs)
    cache = tmp_path / "cache"
    first = guide.cached_guide(docs / MD.name, cache)
    assert first.suffix == ".html" and guide.cached_guide(docs / MD.name, cache) == first
    (docs / MD.name).write_text(MD.read_text("utf-8") + "\nThêm một dòng.\n", "utf-8")
    second = guide.cached_guide(docs / MD.name, cache)
    assert second != first and "Thêm một dòng." in second.read_text("utf-8")
    page = entry.guide_page()
    assert page is not None and page.suffix == ".html" and page.read_text("utf-8") == guide.guide_html(MD)


def test_pdf_through_libreoffice_keeps_text_and_pictures(tmp_path):
    assert soffice_path(), "LibreOffice (soffice) is required for this test"
    pdf = guide.build_guide_pdf(tmp_path / "huong-dan.pdf")
    assert list(tmp_path.iterdir()) == [pdf]  # no leftover HTML beside it
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", " ", text)
    for _level, title in _headings(MD.read_text("utf-8")):
        assert re.sub(r"[*`]", "", title) in flat, title
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in images.splitlines()[2:] if line.strip() and " image " in line]
    assert len(rows) == len(re.findall(r"!\[[^\]]*\]\(([^)]+)\)", MD.read_text("utf-8")))
    # Every picture fits the A4 page's text width (8.27 in less margins): width in pixels / x-ppi.
    for row in rows:
        width_px, x_ppi = int(row[3]), float(row[12])
        assert width_px / x_ppi <= 7.0, row


def test_cli_guide(tmp_path, capsys):
    from xlcchc.cli import main

    assert main(["guide", "-o", str(tmp_path / "hd.html")]) == 0
    assert "Đã tạo hướng dẫn" in capsys.readouterr().out
    assert (tmp_path / "hd.html").read_bytes() == guide.guide_html().encode("utf-8")
