"""One-off draft of `xlcchc/plan/data/kh-2026-2030.toml`'s task table from seed 002 (reproducible).

Seed 002's Phụ lục (from about line 1005) is a PDF table flattened to lines: each row prints its cells
one after the other (content, products, lead, partners, deadline), broken at the column width, and a
row that crosses a page break continues after it with lines that start with a space, the columns of the
second half interleaved again. This script splits the rows, takes the content up to the first “- ” item,
and reads the items that follow as products, agencies and deadline; the lead cell is taken to be the
first agency (with “UBND cấp xã” when it follows directly, the way the table prints a kind pair).
Rows it cannot read cleanly are marked `# REVIEW` and were corrected by hand: the TOML in the package is
the source of truth, reviewed against the seed, and this script only saved the typing.

    python scripts/extract_plan_2026.py /work/shared/seeds/002_*.txt > /tmp/tasks.toml
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata

AGENCY = re.compile(
    r"^(Các (sở|cơ quan|đơn vị|trường|doanh|tổ chức)|Sở|UBND|Văn phòng|Trung tâm|Công an|Thanh tra|Tổ công tác|"
    r"Cơ quan|Ban |Đài|Báo Thanh)"
)
KIND = re.compile(r"^(Các (sở|cơ quan|đơn vị|doanh|trường|tổ chức)|UBND cấp xã|Cơ quan)")
DEADLINE = re.compile(
    r"^(Thường xuyên|Hằng năm|Hàng năm|Năm \d|Quý|Tháng|Theo|Sau khi|Bắt đầu|Từ năm|Thực hiện theo|Kế hoạch:|"
    r"Triển khai:|Ban hành kế hoạch:|Hoàn thành|Báo cáo kết quả[^:]*:|Thông báo, kết)"
)
ROMAN = re.compile(r"^\s*(I|II|III|IV|V|VI|VII)(\s|$)")


def _norm(s: str) -> str:
    s = unicodedata.normalize("NFC", s)
    s = re.sub(r"-\s*\n\s*(?=\S)", "-", s)  # a word broken after its hyphen (“06/QĐ-\nTTg”)
    return re.sub(r"\s+", " ", s).strip()


def _split_items(text: str) -> list[str]:
    parts = re.split(r"(?:^|\s)-\s+", " " + text)
    return [p.strip() for p in parts if p.strip()]


_LIEN_QUAN = "Cơ quan, đơn vị có liên quan."
_KIND_PARTNERS = ["Các sở, ban, ngành đơn vị cấp tỉnh.", "UBND cấp xã.", _LIEN_QUAN]

# Rows the splitting above cannot read (page breaks interleave the columns, cells without “- ”, the
# area headings that follow a row), corrected by hand against the seed: field → value as printed.
CORRECTIONS: dict[str, dict] = {
    "2": {"deadline": "- Kế hoạch: hàng năm. - Báo cáo kết quả thực hiện: theo quy định, hướng dẫn của Bộ Tư pháp, Sở Tư pháp."},
    "5": {"content": "Phối hợp với bộ, ngành, Trung ương điều chỉnh Quy hoạch tỉnh Thanh Hóa thời kỳ 2021 - 2030, tầm nhìn đến năm 2045.",
          "products": ["Quyết định của cơ quan có thẩm quyền."], "leads": ["Sở Tài chính."],
          "partners": [_LIEN_QUAN], "deadline": "Năm 2026"},
    "6": {"partners": [_LIEN_QUAN, "Sở Tư pháp."],
          "deadline": "Theo lộ trình Kế hoạch số 220/KH-UBND ngày 23/10/2025 của UBND tỉnh."},
    "11": {"products": ["Quyết định công bố TTHC, danh mục TTHC, TTHC nội bộ của Chủ tịch UBND tỉnh.",
                        "Báo cáo công tác kiểm soát TTHC hằng quý, năm."],
           "leads": ["Các sở, ban, ngành cấp tỉnh.", "UBND cấp xã."],
           "partners": ["Văn phòng UBND tỉnh.", "Các cơ quan, đơn vị liên quan."]},
    "12": {"products": ["Quyết định thông qua phương án đơn giản hóa TTHC.",
                        "Báo cáo kết quả rà soát, đơn giản hóa gửi các bộ quản lý chuyên ngành."],
           "leads": ["Các sở, ban, ngành cấp tỉnh."], "partners": ["Các cơ quan, đơn vị có liên quan.", "UBND cấp xã."]},
    "13": {"content_tail": "từ 80% trở lên."},
    "16": {"products": ["Quyết định công bố TTHC, danh mục TTHC của Chủ tịch UBND tỉnh.",
                        "Báo cáo công tác kiểm soát TTHC hằng quý, năm.",
                        "Quyết định ban hành Danh mục TTHC thực hiện DVC trực tuyến toàn trình."]},
    "20": {"content_tail": "khoản/kênh) trên các nền tảng mạng xã hội phổ biến, kết nối đa kênh, đa nền tảng để tuyên "
                           "truyền, phổ biến, nâng cao nhận thức, phổ cập kiến thức và kỹ năng sử dụng dịch vụ công trực "
                           "tuyến cho người dân, doanh nghiệp. + Truyền thông về việc thực hiện TTHC trên môi trường điện "
                           "tử; thanh toán trực tuyến; nộp thuế đất điện tử ....",
           "products": ["Sản xuất các nội dung tin, bài, phóng sự, đối thoại tuyên truyền, chia sẻ kinh nghiệm; sản phẩm "
                        "tin bài, ảnh, đồ họa, video, clip tuyên truyền trực quan như hướng dẫn thao tác sử dụng dịch vụ "
                        "công trực tuyến; tuyên truyền các chính sách đẩy mạnh dịch vụ công; vai trò ý nghĩa của dịch vụ công."]},
    "22": {"deadline": "Thường xuyên."},
    "23": {"content": "Rà soát, sửa đổi, bổ sung quy định về phân công, phân cấp quản lý tổ chức bộ máy, biên chế và cán "
                      "bộ, công chức, viên chức thuộc UBND tỉnh quản lý.",
           "products": ["Quyết định của cơ quan có thẩm quyền.", "Báo cáo kết quả thực hiện."],
           "leads": ["Sở Nội vụ."], "partners": _KIND_PARTNERS, "deadline": "Bắt đầu từ Quý I/2026."},
    "27": {"content": "Nghiên cứu, xây dựng đề án thực hiện sắp xếp, sáp nhập thôn, tổ dân phố phù hợp với yêu cầu quản lý "
                      "và tổ chức hoạt động của thôn, tổ dân phố.",
           "products": ["Đề án trình cơ quan có thẩm quyền.", "Quyết định của cơ quan có thẩm quyền.", "Báo cáo kết quả thực hiện."],
           "leads": ["UBND xã, phường."], "partners": ["Sở Nội vụ.", "Các cơ quan, đơn vị có liên quan."],
           "deadline": "Theo hướng dẫn của Bộ Nội vụ."},
    "28": {"products": ["Kế hoạch của cơ quan có thẩm quyền.", "Báo cáo kết quả thực hiện."]},
    "31": {"content": "Thực hiện khảo sát, đánh giá mức độ hài lòng của người dân về cung cấp dịch vụ y tế công.",
           "products": ["Kế hoạch thực hiện.", "Báo cáo kết quả thực hiện."], "leads": ["Sở Y tế."],
           "partners": ["Các đơn vị sự nghiệp y tế.", "Các cơ quan liên quan."],
           "deadline": "- Thường xuyên. - Báo cáo kết quả khảo sát: tháng 12 hằng năm."},
    "35": {"content": "Xây dựng và áp dụng Chỉ số đánh giá hiệu suất công việc (KPI) để đánh giá mức độ hoàn thành nhiệm "
                      "vụ của cán bộ, công chức.",
           "products": ["Quyết định của cơ quan có thẩm quyền.", "Kế hoạch; Báo cáo kết quả thực hiện."],
           "leads": ["Sở Nội vụ."], "partners": _KIND_PARTNERS,
           "deadline": "- Triển khai: Bắt đầu từ Quý I/2026. - Thực hiện: hằng năm."},
    "42": {"content_tail": "hành tiết kiệm, chống lãng phí trên địa bàn tỉnh.", "partners": _KIND_PARTNERS},
    "44": {"partners": ["Các sở, ban, ngành đơn vị cấp tỉnh.", "Các doanh nghiệp nhà nước."],
           "deadline": "Sau khi Thủ tướng Chính phủ ban hành tiêu chí phân loại doanh nghiệp nhà nước, doanh nghiệp có vốn "
                       "nhà nước thực hiện chuyển đổi sở hữu, sắp xếp lại, thoái vốn giai đoạn 2026 – 2030."},
    "46": {"partners": ["Sở Tài chính.", "Sở GDĐT.", "Sở Y tế.", "Sở VHTTDL.", _LIEN_QUAN]},
    "50": {"partners": ["Các sở, ban, ngành đơn vị cấp tỉnh.", "Các đơn vị sự nghiệp công lập.", "UBND cấp xã.", _LIEN_QUAN]},
    "53": {"content_tail": "xây dựng chính quyền điện tử, chính quyền số phù hợp với định hướng, chiến lược quốc gia.",
           "products": ["Quyết định của cơ quan có thẩm quyền.", "Báo cáo kết quả thực hiện."], "partners": _KIND_PARTNERS},
    "54": {"partners": ["Các sở, ban, ngành, đơn vị cấp tỉnh.", "Các trường đại học trên địa bàn tỉnh.", "Các tổ chức, cá nhân."],
           "deadline": "Quý II/2026"},
    "56": {"partners": ["Các sở, ban, ngành đơn vị cấp tỉnh.", "Các đơn vị cung cấp phần mềm.", "UBND cấp xã.", _LIEN_QUAN],
           "deadline": "Thường xuyên"},
    "60": {"content_tail": "và hiệu quả."},
    "67": {"content_tail": "phục vụ công tác tham mưu, tư vấn, quản lý, vận hành các hệ thống thông tin dùng chung và hệ "
                           "thống thông tin của các ngành, lĩnh vực.",
           "partners": _KIND_PARTNERS},
}


def _leads(items: list[str]) -> tuple[list[str], list[str]]:
    """Split the agencies into the lead cell and the partner cell (the text has no border between them).

    A kind first (“Các sở, ban, ngành…”) leads with the “UBND cấp xã” that follows it; otherwise the lead
    cell is the run of named units before the first kind (“Các sở…”, “UBND cấp xã”, “Cơ quan…”), which
    then are the partners, with a “UBND cấp xã” directly after the run still in the lead cell; with no
    kind at all, only the first unit leads.
    """
    if not items:
        return [], []
    if KIND.match(items[0]) and not items[0].startswith("Cơ quan"):
        n = 2 if len(items) > 1 and items[1].startswith("UBND cấp xã") else 1
        return items[:n], items[n:]
    run = 1
    while run < len(items) and not KIND.match(items[run]):
        run += 1
    if run == len(items):
        return items[:1], items[1:]
    if items[run].startswith("UBND cấp xã") and run + 1 < len(items) and KIND.match(items[run + 1]):
        run += 1
    return items[:run], items[run:]


def main(path: str) -> None:
    raw = open(path, encoding="utf-8").read().splitlines()
    start = next(i for i, l in enumerate(raw) if l.strip() == "Phụ lục")
    lines = [l for l in raw[start:] if l.strip()]
    rows: list[tuple[str, str, list[str]]] = []
    area = ""
    i = 0
    while i < len(lines):
        l = lines[i]
        if re.fullmatch(r"\s*\d{1,2}\.\s*", l):
            rows.append((area, l.strip().rstrip("."), []))
        elif ROMAN.match(l) and not rows or (ROMAN.match(l) and rows and len(rows[-1][2]) > 2):
            area = ROMAN.match(l).group(1)
        elif rows and not re.fullmatch(r"\s*\d{1,2}\s*", l):
            rows[-1][2].append(l)
        i += 1
    for area, number, body in rows:
        review = any(b.startswith(" ") for b in body)
        main_lines = []
        for b in body:
            if b.startswith(" ") and not b.startswith("  "):
                break
            main_lines.append(b)
        k = next((j for j, b in enumerate(main_lines) if b.lstrip().startswith("- ")), len(main_lines))
        content = _norm("\n".join(main_lines[:k])).replace("phát tr iển", "phát triển")  # split by the PDF
        items = _split_items(_norm("\n".join(main_lines[k:])))
        deadline: list[str] = []
        while items and DEADLINE.match(items[-1]):
            deadline.insert(0, items.pop())
        products: list[str] = []
        while items and not AGENCY.match(items[0]):
            products.append(items.pop(0))
        leads, rest = _leads(items)
        fix = CORRECTIONS.get(number, {})
        if "content_tail" in fix:
            content = content + " " + fix["content_tail"]
        content = fix.get("content", content)
        products = fix.get("products", products)
        leads = fix.get("leads", leads)
        rest = fix.get("partners", rest)
        deadline = [fix["deadline"]] if "deadline" in fix else deadline
        review = review and not fix
        print("[[task]]" + ("  # REVIEW: page break" if review else ""))
        print(f'annex = "{area}"')
        print(f'number = "{number}"')
        print(f"content = {json.dumps(content, ensure_ascii=False)}")
        print(f"products = {json.dumps(products, ensure_ascii=False)}")
        print(f"leads = {json.dumps(leads, ensure_ascii=False)}")
        print(f"partners = {json.dumps(rest, ensure_ascii=False)}")
        dl = " ".join("- " + d for d in deadline) if len(deadline) > 1 else "".join(deadline)
        print(f"deadline = {json.dumps(dl, ensure_ascii=False)}")
        print()


if __name__ == "__main__":
    main(sys.argv[1])
