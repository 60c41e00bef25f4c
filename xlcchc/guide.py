"""The user guide as a document a Windows PC opens: one HTML file (pictures embedded) and a PDF.

`docs/huong-dan.md` is the source people edit; Windows has no program for `.md`, so the "Hướng dẫn"
button and `xlcchc guide` turn it into a self-contained HTML page (each picture inlined as a data URI,
so the file can be mailed or copied alone), and LibreOffice prints that page to PDF. The output is a
function of the Markdown and the pictures only: same inputs, same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import html
import mimetypes
import os
import re
from pathlib import Path

from .errors import XlcchcError
from .fileio import write_bytes

GUIDE_MD = Path(__file__).resolve().parents[1] / "docs" / "huong-dan.md"
GUIDE_NAME = "huong-dan"

_CSS = """
body { font-family: "Segoe UI", "Liberation Sans", Arial, sans-serif; font-size: 11pt; line-height: 1.45;
       max-width: 48em; margin: 2em auto; padding: 0 1em; color: #1a1a1a; }
h1, h2, h3, th { font-family: "Segoe UI", "Liberation Sans", Arial, sans-serif; }
h1 { font-size: 20pt; border-bottom: 2px solid #1f4e79; padding-bottom: .2em; color: #1f4e79; }
h2 { font-size: 15pt; color: #1f4e79; margin-top: 1.6em; }
h3 { font-size: 12.5pt; }
img { max-width: 100%; border: 1px solid #bbb; margin: .5em 0; }
code { font-family: Consolas, "Liberation Mono", monospace; background: #f2f2f2; padding: 0 .2em; }
pre { background: #f2f2f2; padding: .6em .8em; overflow-x: auto; }
pre code { padding: 0; }
table { border-collapse: collapse; margin: .6em 0; }
th, td { border: 1px solid #999; padding: .25em .5em; vertical-align: top; }
th { background: #dde7f1; }
@media print { body { max-width: none; margin: 0; } a { color: inherit; text-decoration: none; } }
"""


class GuideError(XlcchcError):
    pass


#: Widest a picture prints (CSS pixels, 96 per inch): the text width of an A4 page with 2 cm margins.
MAX_IMAGE_WIDTH = 600


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return None


def _images(body: str, base: Path, embed: bool) -> str:
    """Every local <img>: its source inlined as a data URI (`embed`) or as a file URI (for LibreOffice,
    whose HTML import does not read data URIs), and a width no larger than the printed text width.
    A missing picture is an error, not a broken page."""

    def repl(m: re.Match) -> str:
        src = html.unescape(m.group(2))
        if re.match(r"^[a-z]+:", src):
            return m.group(0)
        path = (base / src).resolve()
        if not path.is_file():
            raise GuideError(f"hướng dẫn dùng hình “{src}” nhưng không có tệp “{path}”")
        data = path.read_bytes()
        if embed:
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
        else:
            uri = path.as_uri()
        dims = _png_size(data)
        size = ""
        if dims:  # both, scaled together: LibreOffice's HTML import ignores a width given alone
            w = min(dims[0], MAX_IMAGE_WIDTH)
            size = f' width="{w}" height="{round(dims[1] * w / dims[0])}"'
        return f'{m.group(1)}"{html.escape(uri)}"{size}'

    return re.sub(r'(<img\s[^>]*?src=)"([^"]+)"', repl, body)


def guide_html(md_path: Path | str = GUIDE_MD, *, embed: bool = True) -> str:
    """The guide as one HTML document, pictures embedded (or linked as files, for printing)."""
    from markdown_it import MarkdownIt

    md_path = Path(md_path)
    text = md_path.read_text("utf-8")
    body = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table").render(text)
    body = _images(body, md_path.parent, embed)
    body = body.replace("<table>", '<table border="1" cellspacing="0" cellpadding="4">')  # borders in LibreOffice too
    title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), "Hướng dẫn")
    return (
        '<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}</body>\n</html>\n"
    )


def build_guide(output: Path | str, md_path: Path | str = GUIDE_MD) -> Path:
    """Write the HTML guide to `output` (atomically)."""
    return write_bytes(Path(output), guide_html(md_path).encode("utf-8"))


def build_guide_pdf(output: Path | str, md_path: Path | str = GUIDE_MD) -> Path:
    """The guide printed to PDF by LibreOffice (Writer's HTML import), written to `output`."""
    import tempfile

    from .office import convert

    output = Path(output)
    with tempfile.TemporaryDirectory(prefix="xlcchc-guide-") as tmp:
        page = Path(tmp) / f"{GUIDE_NAME}.html"
        page.write_text(guide_html(md_path, embed=False), "utf-8")
        # Writer (not Writer/Web) imports and prints the page: Writer/Web's PDF export dropped the first
        # page's content (the guide's title) once the guide grew past a certain length.
        pdf = convert(page, tmp, "pdf:writer_pdf_Export", infilter="HTML (StarWriter)")
        return write_bytes(output, pdf.read_bytes())


def cached_guide(md_path: Path | str = GUIDE_MD, cache: Path | None = None) -> Path:
    """The HTML guide for the "Hướng dẫn" button: built once per content of the Markdown and pictures,
    in the user's cache folder (the source tree may be read-only), rebuilt when the guide changes."""
    md_path = Path(md_path)
    if not md_path.is_file():
        raise GuideError(f"không tìm thấy hướng dẫn “{md_path}”")
    html_text = guide_html(md_path)
    digest = hashlib.sha256(html_text.encode("utf-8")).hexdigest()[:12]
    base = cache or Path(os.environ.get("LOCALAPPDATA") or Path.home() / ".cache") / "xlcchc"
    out = base / f"{GUIDE_NAME}-{digest}.html"
    if not out.is_file():
        base.mkdir(parents=True, exist_ok=True)
        write_bytes(out, html_text.encode("utf-8"))
    return out


def cli_guide(args) -> int:
    out = Path(args.output)
    if out.suffix.lower() == ".pdf":
        build_guide_pdf(out)
        print(f"Đã tạo hướng dẫn “{out}”.")
        return 0
    build_guide(out)
    print(f"Đã tạo hướng dẫn “{out}” (mở bằng trình duyệt, có thể gửi kèm thư).")
    return 0
