"""The `xlcchc` command.

The parser lives here, whole, so that `xlcchc --help` and the start of every command import nothing
heavy: each handler is named as `module:function` and imported only when its command runs (importing
xlwings costs ~355 ms, openpyxl ~150 ms; `check` must start in under half a second).
A plain `xlcchc check FILE…` line is read by `cli_plain` without importing argparse at all (the cold
check of Excel's button, issue 17); every other line, and every mistake, goes through this parser.
A handler takes the parsed arguments and returns the exit status. Errors reach the user as one
Vietnamese sentence; a traceback only with XLCCHC_DEBUG=1.
"""

from __future__ import annotations

import importlib
import os
import sys
from functools import cache

from .cli_plain import plain_args

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers know the name)
if TYPE_CHECKING:
    import argparse

EXIT_OK, EXIT_FINDINGS, EXIT_FAILED = 0, 1, 2


def _regime(p: argparse.ArgumentParser, required: bool = False) -> None:
    p.add_argument("--regime", help="chế độ báo cáo (mặc định: chế độ áp dụng cho kỳ báo cáo, theo --period hoặc theo tệp)", required=required)


#: `--key` of the commands that sign or verify templates.
_KEY_HELP = "tệp khóa ký của cơ quan tổng hợp (mặc định: biến môi trường XLCCHC_KEY_FILE, hoặc khóa trong hồ sơ người dùng)"


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; with `only`, that command's parser alone is real (see `_OnlyCommand`)."""
    import argparse  # here, not at the top: a plain `check` line is read without it (cli_plain)

    ap = argparse.ArgumentParser(
        prog="xlcchc",
        description="Biểu mẫu thống kê cải cách hành chính: tạo mẫu, kiểm tra, tổng hợp, xuất phụ lục.",
    )
    if only:
        ap.register("action", "parsers", _only_command(only))
    sub = ap.add_subparsers(dest="command", metavar="LỆNH")
    for add in _COMMANDS:  # in this order: `xlcchc --help` lists them so
        add(sub)
    return ap


def _catalog_command(sub) -> None:
    """`xlcchc catalog`: the regime's indicators and rules, its units, its changes."""
    cat = sub.add_parser("catalog", help="danh mục chỉ tiêu và quy tắc của một chế độ báo cáo")
    catsub = cat.add_subparsers(dest="action", metavar="VIỆC")
    show = catsub.add_parser("show", help="in danh mục")
    _regime(show)
    show.add_argument("--period", help="chọn chế độ áp dụng cho kỳ này (khi không có --regime)")
    show.add_argument("--json", action="store_true", help="in dạng JSON (ổn định, cho công cụ khác đọc)")
    show.set_defaults(handler="xlcchc.catalog.show:cli_show")
    catsub.add_parser("regimes", help="liệt kê các chế độ báo cáo").set_defaults(handler="xlcchc.catalog.show:cli_regimes")
    units = catsub.add_parser("units", help="danh mục đơn vị báo cáo")
    _regime(units)
    units.add_argument("--period", help="chọn chế độ áp dụng cho kỳ này (khi không có --regime)")
    units.add_argument("--province", metavar="TÊN|MÃ", help="xã, phường của một tỉnh theo danh mục hành chính (34 tỉnh, thành phố)")
    units.add_argument("--json", action="store_true", help="in dạng JSON: {code, name, kind, parent, official_code}")
    units.set_defaults(handler="xlcchc.catalog.show:cli_units")
    changes = catsub.add_parser("changes", help="những thay đổi của một chế độ so với chế độ gốc (extends)")
    _regime(changes, required=True)
    changes.add_argument("--markdown", action="store_true", help="in bảng Markdown (docs/)")
    changes.set_defaults(handler="xlcchc.catalog.show:cli_changes")


def _national_command(sub) -> None:
    """`xlcchc national`: the national level."""
    nat = sub.add_parser("national", help="cấp trung ương: báo cáo của tỉnh từ bảng tổng hợp TONG_HOP.xlsx")
    natsub = nat.add_subparsers(dest="action", metavar="VIỆC")
    nret = natsub.add_parser("returns", help="mỗi TONG_HOP.xlsx của một tỉnh thành một báo cáo gửi trung ương")
    nret.add_argument("files", nargs="+", metavar="TONG_HOP.xlsx|DIR")
    nret.add_argument("-o", "--output", required=True, metavar="DIR")
    nret.add_argument("--regime", default=None, help="chế độ cấp trung ương (mặc định: chế độ áp dụng cho kỳ của bảng tổng hợp, hiện nay quoc-gia-2025)")
    nret.set_defaults(handler="xlcchc.national:cli_returns")


def _registry_command(sub) -> None:
    """`xlcchc registry`: a province's registry of units."""
    rg = sub.add_parser("registry", help="danh mục đơn vị báo cáo của một tỉnh")
    rgsub = rg.add_subparsers(dest="action", metavar="VIỆC")
    rnew = rgsub.add_parser("new", help="tạo danh mục đơn vị (TOML) cho một tỉnh: xã, phường theo danh mục hành chính, sở ngành chuẩn")
    rnew.add_argument("--province", required=True, metavar="TÊN|MÃ", help='tên hoặc mã tỉnh, ví dụ "Thanh Hóa" hoặc 38')
    rnew.add_argument("-o", "--output", required=True, metavar="FILE.toml")
    rnew.set_defaults(handler="xlcchc.catalog.registry_cli:cli_new")


def _plan_command(sub) -> None:
    """`xlcchc plan`: the CCHC plan."""
    pl = sub.add_parser("plan", help="kế hoạch CCHC: nhiệm vụ, cơ quan chủ trì, thời hạn, chỉ tiêu")
    plsub = pl.add_subparsers(dest="action", metavar="VIỆC")
    pls = plsub.add_parser("show", help="in kế hoạch")
    pls.add_argument("--plan", help="mã kế hoạch: kh-2023, kh-2026-2030 (mặc định: kế hoạch mới nhất)")
    pls.add_argument("--json", action="store_true", help="in dạng JSON (ổn định, cho công cụ khác đọc)")
    pls.set_defaults(handler="xlcchc.plan.show:cli_show")


def _template_command(sub) -> None:
    """`xlcchc template`: locked templates."""
    t = sub.add_parser("template", help="tạo biểu mẫu Excel đã khóa cho đơn vị")
    t.add_argument("--unit", help="mã đơn vị báo cáo (xem: xlcchc catalog units)")
    t.add_argument("--all-units", action="store_true", help="mỗi đơn vị trong danh mục một tệp (-o là thư mục)")
    t.add_argument("--period", required=True, help='kỳ báo cáo, ví dụ "Năm 2022", "Quý I/2024", "6 tháng 2021"')
    _regime(t)
    t.add_argument("-o", "--output", required=True, help="tệp .xlsx (hoặc thư mục với --all-units)")
    t.add_argument("--key", metavar="FILE", help=_KEY_HELP + "; tạo khóa mới khi chưa có")
    t.set_defaults(handler="xlcchc.template:cli_template")


def _values_command(sub) -> None:
    """`xlcchc values`: values in and out."""
    v = sub.add_parser("values", help="nhập / xuất số liệu của một bảng tính")
    vsub = v.add_subparsers(dest="action", metavar="VIỆC")
    ex = vsub.add_parser("export", help="đọc số liệu trong bảng tính")
    ex.add_argument("file")
    ex.add_argument("--format", choices=["json", "csv"], default="json")
    ex.add_argument("-o", "--output", help="ghi ra tệp (mặc định: màn hình)")
    ex.set_defaults(handler="xlcchc.values:cli_export")
    im = vsub.add_parser("import", help="ghi số liệu từ tệp JSON/CSV vào biểu mẫu")
    im.add_argument("template")
    im.add_argument("values")
    im.add_argument("-o", "--output", required=True)
    im.set_defaults(handler="xlcchc.values:cli_import")


def _check_command(sub) -> None:
    """`xlcchc check`: the check."""
    c = sub.add_parser("check", help="kiểm tra bảng tính (hoặc tệp số liệu JSON/CSV)")
    c.add_argument("files", nargs="+", metavar="FILE")
    c.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    c.add_argument("--annotate", metavar="OUT.xlsx", help="ghi bản sao có đánh dấu ô lỗi (không sửa tệp gốc)")
    _regime(c)
    c.add_argument("--unit", help="mã đơn vị mong đợi (báo lỗi nếu bảng tính của đơn vị khác)")
    c.add_argument("--period", help="kỳ báo cáo mong đợi")
    c.add_argument("--history", metavar="DB", help="tệp lịch sử: so sánh với số liệu các kỳ trước của đơn vị")
    c.add_argument("--key", metavar="FILE", help=_KEY_HELP + "; không có khóa thì không kiểm tra chữ ký")
    c.add_argument("--unsigned", choices=["canh-bao", "loi"], default="canh-bao",
                   help="biểu mẫu chưa ký (tạo trước khi có chữ ký): cảnh báo (mặc định) hoặc lỗi, không dùng")
    c.set_defaults(handler="xlcchc.check:cli_check")


def _merge_command(sub) -> None:
    """`xlcchc merge`: the merge."""
    m = sub.add_parser("merge", help="tổng hợp các báo cáo trong một thư mục")
    m.add_argument("folder", metavar="DIR")
    m.add_argument("-o", "--output", required=True, metavar="TONG_HOP.xlsx")
    m.add_argument("--period", help="kỳ báo cáo cần tổng hợp (mặc định: kỳ của đa số báo cáo); chế độ báo cáo là chế độ áp dụng cho kỳ đó")
    m.add_argument("--expected", metavar="FILE", help="danh sách đơn vị phải nộp (CSV/TXT, một mã mỗi dòng)")
    _regime(m)
    m.add_argument("--json", action="store_true", help="in tóm tắt dạng JSON")
    m.add_argument("--history", metavar="DB", help="tệp lịch sử: kiểm tra thêm so với các kỳ trước (số lũy kế giảm, "
                   "số khác thường, đơn vị kỳ trước có nộp) và vẽ xu hướng trên trang Tổng quan")
    m.add_argument("--key", metavar="FILE", help=_KEY_HELP)
    m.add_argument("--unsigned", choices=["canh-bao", "loi"], default="canh-bao",
                   help="biểu mẫu chưa ký (tạo trước khi có chữ ký): cảnh báo (mặc định) hoặc lỗi, không cộng")
    m.set_defaults(handler="xlcchc.merge:cli_merge")


def _key_command(sub) -> None:
    """`xlcchc key`: the signing key."""
    k = sub.add_parser("key", help="khóa ký biểu mẫu của cơ quan tổng hợp: nơi lưu và mã khóa (để đối chiếu giữa hai cơ quan)")
    k.add_argument("--key", metavar="FILE", help=_KEY_HELP)
    k.add_argument("--create", action="store_true", help="tạo khóa trong hồ sơ người dùng nếu chưa có")
    k.set_defaults(handler="xlcchc.signing:cli_key")


def _history_command(sub) -> None:
    """`xlcchc history`: the history of merged periods."""
    h = sub.add_parser("history", help="lịch sử số liệu các kỳ đã tổng hợp (so sánh giữa các kỳ)")
    hsub = h.add_subparsers(dest="action", metavar="VIỆC")
    db_help = "tệp lịch sử (mặc định: LICH_SU_SO_LIEU_CCHC.sqlite cạnh bảng tổng hợp, hoặc trong thư mục hiện tại)"
    ha = hsub.add_parser("add", help="ghi số liệu một kỳ đã tổng hợp vào lịch sử")
    ha.add_argument("provincial", metavar="TONG_HOP.xlsx")
    ha.add_argument("--db", metavar="FILE", help=db_help)
    ha.set_defaults(handler="xlcchc.history.cli:cli_add")
    hs = hsub.add_parser("show", help="các kỳ đã lưu, hoặc chuỗi số liệu của một chỉ tiêu")
    hs.add_argument("--db", metavar="FILE", help=db_help)
    hs.add_argument("--unit", help="mã đơn vị (mặc định: đơn vị tổng hợp, ví dụ TINH)")
    hs.add_argument("--indicator", metavar="BIỂU_MẪU:MÃ", help="chỉ tiêu, ví dụ 3:3.1")
    _regime(hs)
    hs.add_argument("--json", action="store_true", help="in dạng JSON")
    hs.set_defaults(handler="xlcchc.history.cli:cli_show")
    he = hsub.add_parser("export", help="xuất toàn bộ lịch sử số liệu ra CSV hoặc Excel")
    he.add_argument("--db", metavar="FILE", help=db_help)
    he.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    he.add_argument("-o", "--output", required=True, metavar="FILE")
    he.set_defaults(handler="xlcchc.history.cli:cli_export")


def _appendix_command(sub) -> None:
    """`xlcchc appendix`: the appendix."""
    import argparse  # (only argparse.SUPPRESS: the module is imported by build_parser already)

    a = sub.add_parser("appendix", help="xuất Phụ lục từ bảng tổng hợp")
    a.add_argument("provincial", metavar="TONG_HOP.xlsx")
    a.add_argument("-o", "--output", required=True, metavar="PHU_LUC.xlsx")
    a.add_argument("--pdf", metavar="PHU_LUC.pdf", help="chuyển sang PDF bằng LibreOffice")
    a.add_argument(
        "--annexes", metavar="DANH_SÁCH",
        help="kèm phụ biểu, cách nhau bằng dấu phẩy: by-unit (số liệu theo đơn vị), status (tình hình nộp), "
        "findings (lỗi chưa xử lý, để rà soát nội bộ), plan (tiến độ kế hoạch). Mặc định: chỉ bảy biểu mẫu",
    )
    a.add_argument("--no-annexes", action="store_true", help=argparse.SUPPRESS)  # the former default; kept for scripts
    a.add_argument(
        "--header", nargs="?", const="", metavar="CƠ_QUAN",
        help='thêm phần đầu văn bản (cơ quan ban hành, quốc hiệu, "Kèm theo Báo cáo số … ngày …") và chỗ ký; '
        'CƠ_QUAN mặc định là đơn vị tổng hợp, ví dụ --header "UBND TỈNH THANH HÓA"',
    )
    a.add_argument("--office", metavar="TÊN", help='tên cơ quan dưới cơ quan ban hành trong phần đầu, ví dụ "SỞ NỘI VỤ"')
    a.add_argument(
        "--compare", nargs="?", const="cung-ky,ky-truoc", metavar="CỘT",
        help="thêm cột so sánh lấy từ lịch sử số liệu: cung-ky (Cùng kỳ năm trước), ky-truoc (Kỳ trước); "
        "mặc định cả hai",
    )
    a.add_argument("--history", metavar="DB", help="tệp lịch sử cho --compare (mặc định: cạnh bảng tổng hợp)")
    a.set_defaults(handler="xlcchc.appendix:cli_appendix")


def _addin_command(sub) -> None:
    """`xlcchc addin`: the Excel add-in."""
    ad = sub.add_parser("addin", help="add-in Excel (nút Kiểm tra, Tổng hợp, Xuất phụ lục)")
    adsub = ad.add_subparsers(dest="action", metavar="VIỆC")
    b = adsub.add_parser("build", help="tạo tệp add-in .xlam từ mã nguồn trong macros/")
    b.add_argument("-o", "--output", default="xlcchc.xlam")
    b.set_defaults(handler="xlcchc.excel.addin:cli_build")
    ins = adsub.add_parser("install", help="cài add-in vào thư mục khởi động XLSTART của Excel và ghi cấu hình Python")
    ins.add_argument("--file", help="tệp .xlam đã tạo (mặc định: tạo mới)")
    ins.set_defaults(handler="xlcchc.excel.addin:cli_install")


def _guide_command(sub) -> None:
    """`xlcchc guide`: the user guide."""
    g = sub.add_parser("guide", help="hướng dẫn sử dụng thành tệp HTML (có hình) hoặc PDF để mở trên Windows")
    g.add_argument("-o", "--output", default="huong-dan.html", metavar="TỆP", help="tệp .html hoặc .pdf")
    g.set_defaults(handler="xlcchc.guide:cli_guide")


def _samples_command(sub) -> None:
    """`xlcchc samples`: the sample returns."""
    s = sub.add_parser("samples", help="tạo lại bộ báo cáo mẫu năm 2022 (hoặc năm 2026 với --regime tinh-2025) trong samples/")
    s.add_argument("-o", "--output", default="samples", metavar="DIR")
    s.add_argument("--regime", default=None, help="tinh-2025: bộ mẫu năm 2026 của tỉnh hai cấp (mặc định: năm 2022)")
    s.set_defaults(handler="xlcchc.samples:cli_samples")


def _demo_command(sub) -> None:
    """`xlcchc demo`: the demo."""
    d = sub.add_parser("demo", help="chạy toàn bộ quy trình trên bộ báo cáo mẫu")
    d.add_argument("-o", "--output", default="out/demo", metavar="DIR")
    d.add_argument("--samples", default=None, metavar="DIR", help="thư mục báo cáo mẫu (mặc định: samples/)")
    d.set_defaults(handler="xlcchc.demo:cli_demo")


_COMMANDS = (_catalog_command, _national_command, _registry_command, _plan_command, _template_command, _values_command, _check_command, _merge_command, _key_command, _history_command, _appendix_command, _addin_command, _guide_command, _samples_command, _demo_command)


# --- Vietnamese for argparse ----------------------------------------------------------------------------
#
# argparse speaks English ("usage:", "options:", "error: the following arguments are required"). Its texts
# go through the module's gettext hooks `_` / `ngettext`; `_vietnamese` swaps them for the duration of
# one `main()` call, and `_vietnamise` gives every parser Vietnamese section titles, metavars and
# examples, including the parsers other modules add later.

_VI = {
    "usage: ": "Cách dùng: ",
    "options": "tùy chọn",
    "optional arguments": "tùy chọn",
    "positional arguments": "tham số",
    "show this help message and exit": "in hướng dẫn này rồi thoát",
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "unrecognized arguments: %s": "không hiểu các tham số: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "lựa chọn không hợp lệ: %(value)r (chọn một trong: %(choices)s)",
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "expected one argument": "cần một giá trị",
    "expected at most one argument": "cần nhiều nhất một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
    "ambiguous option: %(option)s could match %(matches)s": "tùy chọn không rõ: %(option)s có thể là %(matches)s",
    "not allowed with argument %s": "không dùng cùng với %s",
    "ignored explicit argument %r": "bỏ qua giá trị %r",
    "one of the arguments %s is required": "cần một trong các tham số %s",
    "invalid %(type)s value: %(value)r": "giá trị không hợp lệ: %(value)r",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
    "show program's version number and exit": "in phiên bản rồi thoát",
}
_VI_N = {("expected %s argument", "expected %s arguments"): "cần %s giá trị"}

class _Unbuilt:
    """Stands for the parser of a command that is not running: every call is accepted and builds nothing."""

    def __getattr__(self, name: str) -> "_Unbuilt":
        return self

    def __call__(self, *args, **kwargs) -> "_Unbuilt":
        return self


def _only_command(only: str) -> type:
    """A subparsers action that builds the parser of command `only` and nothing of the others' arguments.

    Building all 29 parsers with their arguments is ~50 M instructions, a third of a cold `xlcchc check`
    beyond the interpreter (issue 17: what Excel's button waits for). The other commands keep their name
    and help line; `main` builds the whole parser when the command is not one of them (a typo, `--help`).
    """
    import argparse

    class _OnlyCommand(argparse._SubParsersAction):
        found = False

        def add_parser(self, name, **kwargs):  # type: ignore[override]
            if name == only:
                type(self).found = True
                return super().add_parser(name, **kwargs)
            if kwargs.get("help") is not None:
                self._choices_actions.append(self._ChoicesPseudoAction(name, kwargs.get("aliases", ()), kwargs["help"]))
            self._name_parser_map[name] = _UNBUILT
            return _UNBUILT

    return _OnlyCommand


_UNBUILT = _Unbuilt()


def _parser_for(argv: list[str] | None) -> argparse.ArgumentParser:
    """The parser for this command line: only its command's parser built when its first word names one."""
    words = sys.argv[1:] if argv is None else argv
    if words and not words[0].startswith("-"):
        ap = build_parser(only=words[0])
        action = ap._registry_get("action", "parsers")
        if getattr(action, "found", False):
            return ap
    return build_parser()


#: Metavars argparse would derive from English names, and the English ones written in the parsers.
_METAVARS = {
    "unit": "MÃ_ĐƠN_VỊ", "period": "KỲ", "regime": "CHẾ_ĐỘ", "output": "TỆP", "file": "TỆP", "template": "MẪU.xlsx",
    "values": "SỐ_LIỆU", "db": "TỆP_LỊCH_SỬ", "history": "TỆP_LỊCH_SỬ", "plan": "KẾ_HOẠCH", "province": "TỈNH",
    "samples": "THƯ_MỤC", "folder": "THƯ_MỤC", "compare": "TỆP", "provincial": "TONG_HOP.xlsx",
}
_ENGLISH_METAVARS = {"FILE": "TỆP", "DIR": "THƯ_MỤC", "DB": "TỆP_LỊCH_SỬ", "FILE.toml": "TỆP.toml", "OUT.xlsx": "BẢN_ĐÁNH_DẤU.xlsx"}

#: Examples printed under each command's help (`xlcchc check --help`).
EXAMPLES = {
    "template": 'Ví dụ:\n  xlcchc template --unit SNV --period "Năm 2022" -o SNV.xlsx\n'
                '  xlcchc template --all-units --period "Quý I/2025" -o bieu-mau/',
    "check": "Ví dụ:\n  xlcchc check BC_CCHC_2022_SNV.xlsx\n"
             "  xlcchc check bao-cao/*.xlsx --json\n"
             "  xlcchc check BC_CCHC_2022_SNV.xlsx --annotate SNV_danh_dau.xlsx",
    "merge": "Ví dụ:\n  xlcchc merge bao-cao/ -o TONG_HOP.xlsx\n"
             '  xlcchc merge bao-cao/ -o TONG_HOP.xlsx --period "Năm 2022" --expected phai-nop.txt',
    "appendix": "Ví dụ:\n  xlcchc appendix TONG_HOP.xlsx -o PHU_LUC.xlsx --pdf PHU_LUC.pdf\n"
                '  xlcchc appendix TONG_HOP.xlsx -o PHU_LUC.xlsx --header "UBND TỈNH THANH HÓA" --office "SỞ NỘI VỤ"\n'
                "  xlcchc appendix TONG_HOP.xlsx -o PHU_LUC_day_du.xlsx --annexes by-unit,status",
    "values": "Ví dụ:\n  xlcchc values export SNV.xlsx --format csv -o SNV.csv\n"
              "  xlcchc values import SNV_trang.xlsx SNV.csv -o SNV.xlsx",
    "demo": "Ví dụ:\n  xlcchc demo -o out/demo",
    "catalog": "Ví dụ:\n  xlcchc catalog show\n  xlcchc catalog units --regime tinh-2022",
}


@cache
def _formatter() -> type:
    import argparse

    class _Formatter(argparse.RawDescriptionHelpFormatter):
        """Keeps the examples' line breaks; wide enough for the Vietnamese help texts."""

        def __init__(self, prog: str) -> None:
            super().__init__(prog, max_help_position=32)

    return _Formatter


def _vietnamise(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> None:
    import argparse

    parser.formatter_class = _formatter()
    for group in parser._action_groups:
        if group.title in ("options", "optional arguments"):
            group.title = "tùy chọn"
        elif group.title == "positional arguments":
            group.title = "tham số"
    if path and path[-1] in EXAMPLES and not parser.epilog:
        parser.epilog = EXAMPLES[path[-1]]
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            action.help = "in hướng dẫn này rồi thoát"
        elif isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                if sub is not _UNBUILT:
                    _vietnamise(sub, (*path, name))
            continue
        if isinstance(action.metavar, str) and action.metavar in _ENGLISH_METAVARS:
            action.metavar = _ENGLISH_METAVARS[action.metavar]
        takes_value = action.nargs != 0 and not isinstance(
            action, (argparse._StoreTrueAction, argparse._StoreFalseAction, argparse._CountAction)
        )
        if action.metavar is None and takes_value and action.choices is None:
            action.metavar = _METAVARS.get(action.dest, action.dest.upper() if action.option_strings else action.dest.upper())


class _vietnamese:
    """argparse's texts in Vietnamese while a command line is parsed (its gettext hooks, restored after)."""

    def __enter__(self) -> None:
        import argparse

        self._saved = argparse._, argparse.ngettext
        argparse._ = lambda text: _VI.get(text, text)  # type: ignore[attr-defined]
        argparse.ngettext = lambda one, many, n: _VI_N.get((one, many), one if n == 1 else many)  # type: ignore[attr-defined]

    def __exit__(self, *exc) -> None:
        import argparse

        argparse._, argparse.ngettext = self._saved  # type: ignore[attr-defined]


def _utf8_console() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8")  # type: ignore[attr-defined]
        except (AttributeError, ValueError):
            pass


def _parse_args(argv: list[str] | None):
    """argparse's namespace for this command line (its Vietnamese messages and exit on a mistake), or None
    for a group named without its action (`xlcchc values`), whose help it has then shown."""
    ap = _parser_for(argv)
    _vietnamise(ap)
    with _vietnamese():
        args = ap.parse_args(argv)
        if getattr(args, "handler", None) is None:
            ap.parse_args([*(argv if argv is not None else sys.argv[1:]), "--help"])
            return None
    return args


def main(argv: list[str] | None = None) -> int:
    _utf8_console()
    args = plain_args(sys.argv[1:] if argv is None else argv)
    if args is None:
        args = _parse_args(argv)
    if args is None:
        return EXIT_FAILED
    module, func = args.handler.split(":")
    import warnings

    from .console import VisibleStream

    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = VisibleStream(sys.stdout), VisibleStream(sys.stderr)
    try:
        with warnings.catch_warnings():
            if not os.environ.get("XLCCHC_DEBUG"):
                warnings.simplefilter("ignore")  # a library's warning is not a message for the user
            _prepare_outputs(args)
            return int(getattr(importlib.import_module(module), func)(args) or 0)
    except KeyboardInterrupt:
        print("Đã dừng theo yêu cầu.", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:
        # The reader of our output went away (`xlcchc check --json | head`): nothing to say, nowhere to say it.
        _silence_stdout()
        return EXIT_OK
    except Exception as e:  # noqa: BLE001 - the user gets a sentence, not a traceback
        if os.environ.get("XLCCHC_DEBUG"):
            raise
        print(f"Lỗi: {user_message(e)}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        sys.stdout, sys.stderr = saved


def _silence_stdout() -> None:
    """Point stdout at the null device so that Python's flush at exit does not complain about the pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _prepare_outputs(args: argparse.Namespace) -> None:
    """One rule for every `-o` (and `--pdf`): a missing folder on the way is created, and the user told so;
    and no output is one of the command's own input files (`_not_an_input`)."""
    for attr in ("output", "pdf"):  # (check --annotate has its own rule and folder: annotate.py)
        value = getattr(args, attr, None)
        if isinstance(value, str) and value and value != "-":
            _not_an_input(args, value)
            from .fileio import announce_parent  # only then: it imports tempfile and shutil

            announce_parent(value)


#: The arguments that name a file a command reads (`appendix`'s provincial workbook and `values import`'s
#: template are left to their commands, which refuse them as an output with a sentence of their own).
_INPUT_ARGS = ("file", "files", "values", "db", "history", "expected", "key")


def _not_an_input(args: argparse.Namespace, output: str) -> None:
    """Refuse an output that is (the same file as) an input: `values export X.xlsx -o X.xlsx` wrote its JSON
    over the unit's return, `history export --db H -o H` its CSV over every period of the history. Compared
    with `os.path.samefile`, so a link or another spelling of the path is caught too; only when both exist.
    An output folder (`national returns DIR -o DIR`) gets files named by the command, never an input's name."""
    from .errors import XlcchcError

    if os.path.isdir(output):
        return
    for attr in _INPUT_ARGS:
        given = getattr(args, attr, None)
        for name in given if isinstance(given, list) else [given]:
            if not isinstance(name, str) or not name:
                continue
            try:
                same = os.path.samefile(output, name)
            except (OSError, ValueError):  # one of them does not exist (yet): not the same file
                continue
            if same:
                raise XlcchcError(f"tệp kết quả “{output}” chính là tệp đầu vào “{name}”; hãy chọn tên tệp khác "
                                  "(tệp đầu vào không bao giờ bị ghi đè)")


def user_message(e: BaseException) -> str:
    """The Vietnamese sentence for an exception: our own errors carry one; others get a generic wrapper."""
    from .errors import XlcchcError

    if isinstance(e, XlcchcError):
        return str(e)
    if isinstance(e, FileNotFoundError):
        return f"không tìm thấy tệp hoặc thư mục “{e.filename}”"
    if isinstance(e, PermissionError):
        return f"không có quyền ghi/đọc “{e.filename}” (tệp có đang mở trong Excel không?)"
    if isinstance(e, OSError):
        return f"lỗi hệ thống tệp: {e.strerror or e}"
    return f"lỗi không mong đợi ({type(e).__name__}: {e}). Hãy gửi tệp và thông báo này cho bộ phận hỗ trợ."


if __name__ == "__main__":
    sys.exit(main())
