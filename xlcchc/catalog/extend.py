"""A regime that extends another (`extends = "tinh-2022"`) and says only what differs.

The extension is resolved on the TOML data, before compiling, so the resolved regime goes through exactly
the same checks as a regime written in full. What an extension may say:

    [remap.by]                  # every row filled by kind `huyen` is filled by `xa` instead
    huyen = { to = "xa", why = "…" }
    [remap.lead]                # every row led by STTTT is led by SKHCN
    STTTT = { to = "SKHCN", why = "…" }
    [[drop]]                    # a row that no longer exists
    row = "2:1.2"
    reason = "…"
    [[change]]                  # a row relabelled, or whose filling units / aggregation change
    row = "1:3.2"
    reason = "…"
    set = { label = "…", by = ["xa"], agg = "lead:SNV", why = "…" }
    [[drop_rule]]               # a rule of the base, written as in the base
    form = 2
    sum = "1 = 1.1 + 1.2 + 1.3"
    reason = "…"
    [[rule]]                    # a rule added (form = N, then as in [[form.rule]]); [[cross]] as in the base
    form = 2
    sum = "1 = 1.1 + 1.3"
    reason = "…"

Every change carries a one-line reason, kept in the catalog (`Catalog.changes`) and listed in docs/ for the
Sở Nội vụ to confirm. Refused, naming the file and the row: a row or rule the base lacks, a change without a
reason, a drop that leaves a child row, a rule or a ratio reading a dropped row.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any, Callable

from .rules import REF, RULE_KEYS, rule_text

#: Scalar keys an extension may set for itself (everything else comes from the base).
OWN_KEYS = {"regime", "title", "level", "usage", "registry", "periods", "value_header", "in_force", "source"}
EXT_KEYS = OWN_KEYS | {"extends", "remap", "drop", "change", "drop_rule", "rule", "cross"}
ROW_KEYS = {"label", "unit", "kind", "choices", "agg", "by", "why", "required", "cumulative", "stt"}


def resolve(path: Path, data: dict, read_base: Callable[[str], tuple[Path, dict]], fail) -> dict:
    """The full TOML data of an extending regime: its base with the extension's differences applied.

    In a fixed order, each step over what the previous left: drops (before remaps, so a dropped row is not
    also listed as remapped), explicit changes, remaps of filling units, lead agencies and aggregation
    methods over every remaining row, then rules dropped and added. Every difference is recorded with its
    reason (`Catalog.changes`); a remap of a row changed explicitly is applied but not listed again."""
    extra = set(data) - EXT_KEYS
    if extra:
        raise fail(None, None, f"khóa không dùng được trong chế độ mở rộng: {', '.join(sorted(extra))}")
    base_name = str(data["extends"])
    base_path, base = read_base(base_name)
    out = copy.deepcopy(base)
    out.pop("in_force", None)
    for k in OWN_KEYS:
        if k in data:
            out[k] = data[k]
    out["extends"] = base_name
    changes: list[dict] = []
    ext = _Extension(base_name, {int(f["number"]): f for f in out.get("form", [])}, _Recorder(changes), fail)
    ext.drop_rows(data.get("drop", []))
    ext.change_rows(data.get("change", []))
    remap = data.get("remap", {})
    ext.remap_by(remap.get("by", {}))
    ext.remap_lead(remap.get("lead", {}))
    ext.remap_agg(remap.get("agg", []))
    ext.drop_rules(data.get("drop_rule", []), out)
    ext.add_rules(data.get("rule", []), data.get("cross", []), out)
    _no_dangling(ext.forms, out.get("cross", []), ext.dropped, fail)
    out["changes"] = changes
    return out


class _Extension:
    """The base regime's forms (`forms`: number → its TOML table, edited in place) as the steps of `resolve`
    change them, with the rows dropped and changed explicitly so far."""

    def __init__(self, base_name: str, forms: dict[int, dict], record: _Recorder, fail):
        self.base_name, self.forms, self.record, self.fail = base_name, forms, record, fail
        self.dropped: set[str] = set()
        self.explicit: set[str] = set()

    def row_of(self, ref: str, what: str) -> tuple[int, dict]:
        m = re.fullmatch(r"\s*(\d+):(\S+)\s*", str(ref))
        if not m:
            raise self.fail(None, None, f"{what}: dòng phải ghi dạng “biểu:mã”, ví dụ “1:3.2”, không phải “{ref}”")
        form, code = int(m.group(1)), m.group(2)
        for row in self.forms.get(form, {}).get("row", []):
            if str(row.get("code")) == code:
                return form, row
        raise self.fail(form, code, f"{what}: chế độ gốc “{self.base_name}” không có dòng này")

    def reason_of(self, entry: dict, form: int | None, code: str | None, what: str) -> str:
        reason = str(entry.get("reason", "")).strip()
        if not reason:
            raise self.fail(form, code, f"{what} cần lý do (reason) một dòng")
        return reason

    def rows(self):
        """(form, row) of every remaining row, forms in order."""
        for form, fr in sorted(self.forms.items()):
            for row in fr.get("row", []):
                yield form, row

    def remapped(self, form: int, row: dict, before: str, reason: str) -> None:
        self.record.change(form, str(row["code"]), before, _describe(row), reason,
                           quiet=f"{form}:{row['code']}" in self.explicit)

    def drop_rows(self, entries: list[dict]) -> None:
        for entry in entries:
            form, row = self.row_of(entry.get("row", ""), "[[drop]]")
            code = str(row["code"])
            reason = self.reason_of(entry, form, code, "bỏ dòng")
            self.forms[form]["row"] = [r for r in self.forms[form]["row"] if r is not row]
            self.dropped.add(f"{form}:{code}")
            self.record.drop(form, code, _describe(row), reason)

    def change_rows(self, entries: list[dict]) -> None:
        for entry in entries:
            form, row = self.row_of(entry.get("row", ""), "[[change]]")
            code = str(row["code"])
            reason = self.reason_of(entry, form, code, "sửa dòng")
            new = entry.get("set", {})
            if not isinstance(new, dict) or not new:
                raise self.fail(form, code, "[[change]] cần bảng set = { … } với các khóa thay đổi")
            bad = set(new) - ROW_KEYS
            if bad:
                raise self.fail(form, code, f"[[change]] không đổi được khóa: {', '.join(sorted(bad))}")
            before = _describe(row)
            row.update(copy.deepcopy(new))
            self.explicit.add(f"{form}:{code}")
            self.record.change(form, code, before, _describe(row), reason)

    def remap_by(self, remap: dict) -> None:
        """A kind of filling unit replaced by another in every row's `by`."""
        for kind, target in sorted(remap.items()):
            to, why, reason = _target(target, self.fail, f"remap.by.{kind}")
            for form, row in self.rows():
                by = row.get("by", [])
                if isinstance(by, str):
                    by = [b.strip() for b in by.split(",") if b.strip()]
                if kind in by:
                    before = _describe(row)
                    row["by"] = list(dict.fromkeys(to if b == kind else b for b in by))
                    if why is not None:
                        row["why"] = why
                    self.remapped(form, row, before, reason)

    def remap_lead(self, remap: dict) -> None:
        """A lead agency replaced by another in the rows it leads."""
        for lead, target in sorted(remap.items()):
            to, why, reason = _target(target, self.fail, f"remap.lead.{lead}")
            for form, row in self.rows():
                agg = str(row.get("agg", ""))
                method = agg.replace(" ", "").split(":", 1)[0]
                if agg.replace(" ", "") == f"{method}:{lead}" and method in ("lead", "plan_tasks", "plan_done"):
                    before = _describe(row)
                    row["agg"] = f"{method}:{to}"
                    if why is not None:
                        row["why"] = why
                    self.remapped(form, row, before, reason)

    def remap_agg(self, entries: list[dict]) -> None:
        """Aggregation remapped by method (and kind of value): a level whose units are provinces."""
        for entry in entries:
            frm, to = str(entry.get("from", "")), str(entry.get("to", ""))
            kinds = entry.get("kinds")
            reason = str(entry.get("reason", "")).strip()
            if not frm or not to or not reason:
                raise self.fail(None, None, "mỗi [[remap.agg]] cần from, to và reason (có thể thêm kinds, by)")
            for form, row in self.rows():
                method = str(row.get("agg", "none")).split(":")[0].strip()
                # the plan methods are the lead's figure wherever no plan of that level is tracked
                method = "lead" if method in ("plan_tasks", "plan_done") else method
                if row.get("kind") == "heading" or method != frm:
                    continue
                if kinds is not None and row.get("kind") not in kinds:
                    continue
                before = _describe(row)
                if to != frm:  # from = to: only who fills changes (a ratio keeps its parts)
                    row["agg"] = to
                if "by" in entry:
                    row["by"] = list(entry["by"])
                if "why" in entry:
                    row["why"] = entry["why"]
                if "plus" in entry:  # consolidated figures added to a sum (none left one level up)
                    if entry["plus"]:
                        row["plus"] = list(entry["plus"])
                    else:
                        row.pop("plus", None)
                self.remapped(form, row, before, reason)

    def drop_rules(self, entries: list[dict], out: dict) -> None:
        for entry in entries:
            form = entry.get("form")
            kinds = [k for k in RULE_KEYS if k in entry]
            if len(kinds) != 1:
                raise self.fail(form, None, f"[[drop_rule]] cần đúng một trong {' / '.join(RULE_KEYS)}, viết như trong chế độ gốc")
            text = _norm(entry[kinds[0]])
            pool = self.forms.get(int(form), {}).get("rule", []) if form is not None else out.get("cross", [])
            hit = [r for r in pool if _norm(r.get(kinds[0], "")) == text]
            if not hit:
                raise self.fail(form, None, f"[[drop_rule]]: chế độ gốc “{self.base_name}” không có quy tắc “{entry[kinds[0]]}”")
            reason = self.reason_of(entry, form, None, f"bỏ quy tắc “{entry[kinds[0]]}”")
            pool.remove(hit[0])
            self.record.rule(form, entry[kinds[0]], "", reason)

    def add_rules(self, rules: list[dict], cross: list[dict], out: dict) -> None:
        """The extension's own rules of a form (`[[rule]]`, with `form`) and across forms (`[[cross]]`)."""
        for entry in rules:
            entry = dict(entry)
            form = entry.pop("form", None)
            if int(form or 0) not in self.forms:
                raise self.fail(form, None, "[[rule]] cần số biểu mẫu (form) có trong chế độ gốc")
            reason = self.reason_of(entry, form, None, "thêm quy tắc")
            entry.pop("reason")
            self.forms[int(form)].setdefault("rule", []).append(entry)
            self.record.rule(form, "", rule_text(entry), reason)
        for entry in cross:
            entry = dict(entry)
            reason = self.reason_of(entry, None, None, "thêm quy tắc liên biểu")
            entry.pop("reason")
            out.setdefault("cross", []).append(entry)
            self.record.rule(None, "", rule_text(entry), reason)


def _target(target: Any, fail, where: str) -> tuple[str, str | None, str]:
    if isinstance(target, str):
        raise fail(None, None, f"{where} cần dạng {{ to = \"…\", reason = \"…\" }} (có lý do)")
    if not isinstance(target, dict) or not target.get("to") or not str(target.get("reason", "")).strip():
        raise fail(None, None, f"{where} cần to = \"…\" và reason = \"…\"")
    return str(target["to"]), target.get("why"), str(target["reason"]).strip()


def _norm(text: Any) -> str:
    return re.sub(r"\s+", "", str(text)).replace("≤", "<=").replace("≥", ">=")


def _refs(text: str, form: int | None) -> list[str]:
    out = []
    for ref in re.findall(REF, str(text)):
        out.append(ref if ":" in ref else f"{form}:{ref}")
    return out


def _no_dangling(forms: dict[int, dict], cross: list[dict], dropped: set[str], fail) -> None:
    if not dropped:
        return
    for number, fr in sorted(forms.items()):
        codes = {str(r["code"]) for r in fr.get("row", [])}
        for row in fr.get("row", []):
            code = str(row["code"])
            parent = row.get("parent") or (code.rsplit(".", 1)[0] if "." in code else None)
            if parent and f"{number}:{parent}" in dropped and parent not in codes:
                raise fail(number, code, f"dòng cha “{parent}” đã bị bỏ mà dòng con này còn; hãy bỏ hoặc sửa cả dòng con")
            agg = str(row.get("agg", ""))
            if agg.startswith("ratio:"):
                for ref in _refs(agg[6:], number):
                    if ref in dropped:
                        raise fail(number, code, f"tỷ lệ đọc mục “{ref}” đã bị bỏ")
        for rule in fr.get("rule", []):
            text = rule_text(rule)
            for ref in _refs(text, number):
                if ref in dropped:
                    raise fail(number, None, f"quy tắc “{text}” đọc mục “{ref}” đã bị bỏ; hãy bỏ quy tắc đó ([[drop_rule]])")
    for rule in cross:
        text = rule_text(rule)
        for ref in _refs(text, None):
            if ref in dropped:
                raise fail(None, None, f"quy tắc liên biểu “{text}” đọc mục “{ref}” đã bị bỏ; hãy bỏ quy tắc đó")


def _describe(row: dict) -> str:
    """A row as the reviewer compares it: label, who fills it, how it is aggregated."""
    label = " ".join(str(row.get("label", "")).split())
    by = row.get("by", [])
    if isinstance(by, str):
        by = [b.strip() for b in by.split(",") if b.strip()]
    parts = [label]
    agg = str(row.get("agg", "none"))
    if agg.startswith("lead:"):
        parts.append(f"chủ trì: {agg[5:]}")
    elif agg and agg != "none":
        parts.append(f"tổng hợp: {agg}")
    if by:
        parts.append(f"đơn vị nhập: {', '.join(by)}")
    return " · ".join(parts)


class _Recorder:
    """One entry per row changed (the reasons of several changes to a row are joined), in order."""

    def __init__(self, changes: list[dict]):
        self.changes = changes
        self.by_row: dict[str, dict] = {}

    def drop(self, form: int, code: str, before: str, reason: str) -> None:
        entry = {"form": form, "code": code, "action": "bỏ", "before": before, "after": "", "reason": reason}
        self.by_row[f"{form}:{code}"] = entry
        self.changes.append(entry)

    def change(self, form: int, code: str, before: str, after: str, reason: str, *, quiet: bool = False) -> None:
        key = f"{form}:{code}"
        if key in self.by_row:
            entry = self.by_row[key]
            entry["after"] = after
            if not quiet and reason not in entry["reason"]:
                entry["reason"] += "; " + reason
            return
        entry = {"form": form, "code": code, "action": "sửa", "before": before, "after": after, "reason": reason}
        self.by_row[key] = entry
        self.changes.append(entry)

    def rule(self, form: int | None, before: str, after: str, reason: str) -> None:
        self.changes.append({"form": form, "code": "", "action": "bỏ quy tắc" if before else "thêm quy tắc",
                             "before": before, "after": after, "reason": reason})
