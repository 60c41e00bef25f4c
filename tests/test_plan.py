"""The plans against their seeds: every task as printed, leads resolved, deadlines structured or flagged."""

import json
import re
import subprocess
import sys
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from xlcchc.catalog import CatalogError, load_catalog
from xlcchc.catalog.load import available_regimes, load_registry
from xlcchc.plan import load_plan, load_plan_file, plan_for, unstructured
from xlcchc.periods import parse_period

from .conftest import seeds_dir


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", s)).strip()


def _seed(prefix: str, start: str) -> str:
    text = next(seeds_dir().glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")
    part = text[text.index(start) :]
    part = re.sub(r"<[^>]+>", " ", part)  # 003's list cells are HTML
    part = re.sub(r"-[ \t]*\n\s*(?=\S)", "-", part)  # a word broken after its hyphen (“06/QĐ-\nTTg”)
    part = part.replace("phát tr iển", "phát triển")  # a word split by the PDF extraction in 002
    return _norm(part)


@pytest.fixture(scope="module")
def seed_2023() -> str:
    return _seed("003", "**Phụ lục số 01")


@pytest.fixture(scope="module")
def seed_2026() -> str:
    return _seed("002", "PHÂN CÔNG THỰC HIỆN")


def _printed(text: str, seed: str, max_pieces: int) -> bool:
    """`text` is in the seed, whole or in at most `max_pieces` runs (a row broken by a page break prints its
    second half after the other columns of the first half)."""
    words = _norm(text).split(" ")
    i = pieces = 0
    while i < len(words):
        j = len(words)
        while j > i and " ".join(words[i:j]) not in seed:
            j -= 1
        if j == i:
            return False
        pieces += 1
        i = j
    return pieces <= max_pieces


@pytest.mark.parametrize("plan_id, fixture, counts", [
    ("kh-2023", "seed_2023", {"01": 5, "02": 7, "03": 7, "04": 5, "05": 5, "06": 3, "07": 4}),
    ("kh-2026-2030", "seed_2026", {"I": 6, "II": 16, "III": 11, "IV": 6, "V": 11, "VI": 19}),
])
def test_every_task_is_printed_in_the_seed(plan_id, fixture, counts, request):
    seed = request.getfixturevalue(fixture)
    plan = load_plan(plan_id)
    # Rows as counted by hand in the seed's tables, numbered as printed.
    assert {a: sum(t.annex == a for t in plan.tasks) for a in counts} == counts
    assert len(plan.tasks) == sum(counts.values())
    missing = []
    for t in plan.tasks:
        if not _printed(t.content, seed, 3):
            missing.append((t.id, "content", t.content))
        if not re.search(r"(^|\s)" + re.escape(t.number) + r"\.? ", seed):
            missing.append((t.id, "number", t.number))
        for field in ("products", "leads", "partners"):
            for item in getattr(t, field):
                if not _printed(item, seed, 2):
                    missing.append((t.id, field, item))
        if not _printed(t.deadline_text.removeprefix("- "), seed, 4):
            missing.append((t.id, "deadline", t.deadline_text))
    assert missing == []
    # the first task of each area starts its table, in the seed's order
    firsts = [next(t for t in plan.tasks if t.annex == a) for a in counts]
    positions = [seed.index(_norm(f.content)[:40]) for f in firsts]
    assert positions == sorted(positions)


def test_plan_2023_areas_and_section_iv():
    plan = load_plan("kh-2023")
    assert [a.form for a in plan.annexes] == [2, 3, 4, 5, 6, 7, 1]
    snv = [a.id for a in plan.annexes if any(c.unit == "SNV" for c in a.consolidators)]
    assert snv == ["03", "04", "07"]  # section IV.4.a
    assert {c.by for a in plan.annexes for c in a.consolidators} == {date(2023, 11, 15), date(2023, 11, 20)}


def test_leads_resolve_to_the_registry_in_force():
    p23, p26 = load_plan("kh-2023"), load_plan("kh-2026-2030")
    for plan in (p23, p26):
        reg = load_registry(plan.registry)
        for t in plan.tasks:
            assert t.lead_refs, t.id
            for ref in t.lead_refs:
                assert ref in reg.by_code or ref in ("so", "huyen", "xa"), (plan.id, t.id, ref)
    # 2022 registry: communes report through their district (section IV.1.c); no commune-kind lead is left
    assert not any("xa" in t.lead_refs for t in p23.tasks)
    assert p23.by_id["06.3"].lead_refs == ["huyen"]
    assert p23.by_id["01.2"].lead_refs == ["STTTT"]
    # two-tier registry: the merged departments and “UBND cấp xã” as a kind
    assert p26.by_id["I.1"].lead_refs == ["so", "xa"]
    assert p26.by_id["VI.54"].lead_refs == ["SKHCN"]
    assert p26.by_id["II.18"].lead_refs == ["CAT"]
    assert not any("huyen" in t.lead_refs for t in p26.tasks)


def test_tasks_of_a_unit_by_code_and_by_kind():
    plan = load_plan("kh-2026-2030")
    reg = load_registry(plan.registry)
    commune = next(u for u in reg.units if u.kind == "xa")
    mine = plan.tasks_of(commune.code, commune.kind)
    assert mine and all("xa" in t.lead_refs for t in mine)
    stc = plan.tasks_of("STC", "so")
    assert {"V.40", "V.47", "I.5"} <= {t.id for t in stc}
    assert all("STC" in t.lead_refs or "so" in t.lead_refs for t in stc)


def test_deadlines_structured_or_flagged():
    for plan_id in ("kh-2023", "kh-2026-2030"):
        plan = load_plan(plan_id)
        # Every deadline of both seeds is structured; a new one the parser cannot read lands here, as text.
        assert unstructured(plan) == [], plan_id
        for t in plan.tasks:
            d = t.deadline
            assert d.text == t.deadline_text and d.kind in ("date", "recurring", "conditional")
            if d.kind == "date":
                assert d.due is not None and all(m.due for m in d.milestones)
    p23 = load_plan("kh-2023")
    assert p23.by_id["01.2"].deadline.due == date(2023, 9, 30)
    assert p23.by_id["04.3"].deadline.due == date(2024, 3, 31)  # the later of two milestones
    assert p23.by_id["05.2"].deadline.kind == "conditional"
    # a date inside a reference is not a deadline
    assert load_plan("kh-2026-2030").by_id["VI.55"].deadline.due is None


def test_targets_tied_to_indicators_of_the_regime():
    for plan_id in ("kh-2023", "kh-2026-2030"):
        plan = load_plan(plan_id)
        for regime in plan.regimes:
            if regime not in available_regimes():
                continue
            cat = load_catalog(regime)
            for g in plan.targets:
                if g.indicator:
                    assert g.indicator in cat.indicators and g.op and g.value is not None
    p23 = load_plan("kh-2023")
    assert {g.indicator for g in p23.targets if g.id.startswith("02.2")} == {"3:3.1", "3:3.2", "3:3.3"}
    p26 = load_plan("kh-2026-2030")
    g27 = next(g for g in p26.targets if g.id == "2.3-giao-dich-2027")
    assert (g27.value, g27.year, g27.indicator) == (60, 2027, None)
    assert [g.id for g in p26.targets_in(2027)].count("2.3-giao-dich-2030") == 0


def test_plan_for_period_and_regime():
    assert plan_for("tinh-2022", parse_period("Quý III/2023")).id == "kh-2023"
    assert plan_for("tinh-2022", parse_period("Năm 2022")) is None
    assert plan_for("tinh-2025", parse_period("Năm 2027")).id == "kh-2026-2030"


def _plan_file(tmp_path: Path, lead: str) -> Path:
    src = (Path(__file__).parent.parent / "xlcchc/plan/data/kh-2023.toml").read_text(encoding="utf-8")
    src = src.replace('leads = ["Sở Thông tin và Truyền thông."]', f'leads = ["{lead}"]', 1)
    p = tmp_path / "kh-test.toml"
    p.write_text(src, encoding="utf-8")
    return p


def test_unresolved_lead_is_an_error_naming_the_task(tmp_path):
    with pytest.raises(CatalogError) as e:
        load_plan_file(_plan_file(tmp_path, "Sở Không Có"))
    msg = str(e.value)
    assert "kh-test.toml" in msg and "Phụ lục số 01, nhiệm vụ 2" in msg and "Sở Không Có" in msg
    # the same file with a registry name written differently (case, end punctuation) loads
    assert load_plan_file(_plan_file(tmp_path, "sở thông tin và truyền thông")).by_id["01.2"].lead_refs == ["STTTT"]


def test_broken_plan_file_is_an_error_naming_the_file(tmp_path):
    """The plan loader reports a TOML syntax error (and an unreadable file) like the catalog loader does."""
    broken = _plan_file(tmp_path, "Sở Thông tin và Truyền thông.")
    broken.write_text(broken.read_text(encoding="utf-8").replace('registry = "', 'registry = ["', 1), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"^kh-test\.toml: lỗi cú pháp TOML"):
        load_plan_file(broken)
    with pytest.raises(CatalogError, match=r"^khong-co\.toml: không đọc được tệp"):
        load_plan_file(tmp_path / "khong-co.toml")


def test_plan_show_json_shape():
    out = subprocess.run(
        [sys.executable, "-m", "xlcchc", "plan", "show", "--plan", "kh-2023", "--json"],
        capture_output=True, text=True, encoding="utf-8", check=True,
    ).stdout
    data = json.loads(out)
    task = data["tasks"][2]
    assert set(task) >= {"id", "annex", "number", "content", "products", "leads", "partners", "deadline_text", "deadline"}
    assert set(task["deadline"]) == {"kind", "due", "milestones"}
    assert task["id"] == "01.3" and task["deadline"]["kind"] == "recurring"
    assert task["deadline"]["milestones"][0]["due"] == "2023-03-31"
    assert len(data["tasks"]) == 36
    target = next(g for g in data["targets"] if g["id"] == "1.2")
    assert set(target) == {"id", "text", "indicator", "op", "value", "year"}
    assert target["indicator"] == {"form": 7, "code": "6.2"} and target["op"] == ">=" and target["value"] == 100
    text = subprocess.run(
        [sys.executable, "-m", "xlcchc", "plan", "show", "--plan", "kh-2026-2030"],
        capture_output=True, text=True, encoding="utf-8", check=True,
    ).stdout
    assert "Cải cách thể chế" in text and "UBND cấp xã" in text and "69 nhiệm vụ" in text
