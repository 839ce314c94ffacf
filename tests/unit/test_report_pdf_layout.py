"""Nothing in the report PDF is cut or drawn over something else: long names, long camera lists and every
definition are printed whole inside the page's margins, words never overlap, and incident kinds are named,
never printed as codes. Checked on the words poppler (pdftotext -bbox) finds in the file, and on pixels
(pdftoppm) for the right margin."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from hub.adapters.reports_pdf import MARGIN, PAGE_H, PAGE_W, render_pdf
from hub.adapters.reports_text import percent_text
from hub.domain.reports import DEFINITIONS
from hub.services.views.reports import Report
from tests.unit.test_reports import sample_coverage, sample_report

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is installed by ./dev test")
MM = 72 / 25.4  # poppler reports points
LONG_SITE = "北京市东城区第一百零一实验小学附属幼儿园东校区（南门）"
LONG_SITE_EN = "Dongcheng District Experimental Primary School No. 101, Kindergarten East Campus (South Gate)"


@pytest.fixture(scope="module")
def crowded_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    report: dict[str, Any] = sample_report(grids=3)
    report["sites"][0] |= {"name": LONG_SITE, "name_en": LONG_SITE_EN}
    report["totals"]["by_kind"] = {"panic": 2, "patrol_observation": 1, "fire": 1}
    report["grids"][0]["by_kind"] = {"panic": 2, "patrol_observation": 1, "made_up_kind": 1}
    coverage = sample_coverage()
    cameras = [f"摄像机{n:02d}号（东门停车场入口）" for n in range(24)]
    coverage["cameras"] += [
        {**coverage["cameras"][0], "camera_id": f"x{n}", "label": label} for n, label in enumerate(cameras)
    ]
    for shift in coverage["shifts"]:
        shift["cameras_expected"] = 27
        shift["cameras_not_checked"] = [f"x{n}" for n in range(20)]
        shift["staff"] = ["user:zhangwei", "user:liqiang", "officer:o-wang-xiaoming"]
    report["patrol_coverage"] = coverage
    report |= issue_19_figures()
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    path.write_bytes(render_pdf(Report.model_validate(report)))
    return path


LONG_SEAT = "user:zhangwei-night-desk-seat-2"


def issue_19_figures(sites: int = 30) -> dict[str, Any]:
    """Video verification, step compliance and deterrence (issue 19) with a long site name and enough rows to
    run over a page."""

    def site(n: int) -> dict[str, Any]:
        if n == 0:
            return {"site_id": "s0", "site_name": LONG_SITE, "site_name_en": LONG_SITE_EN}
        return {"site_id": f"s{n}", "site_name": f"第{n}小学", "site_name_en": f"School {n}"}

    verified = {"requested": 9, "verified": 8, "verified_share": 8 / 9, "median_s": 4.2, "p90_s": 71.0}
    verified |= {"within_target": 7, "within_target_share": 7 / 9}
    seat = {"incidents": 40, "required_due": 120, "required_done": 111, "compliance": 0.925}
    seat |= {"resolved_with_open_steps": 3}
    deterred = {"warned": 5, "deterred": 3, "not_deterred": 2, "deterred_share": 0.6}
    return {
        "video_verification": {
            "target_s": 10.0,
            "totals": dict(verified, requested=9 * sites),
            "sites": [site(n) | verified for n in range(sites)],
        },
        "step_compliance": {"totals": seat, "seats": [{"seat": LONG_SEAT} | seat, {"seat": "system"} | seat]},
        "deterrence": {
            "totals": deterred,
            "sites": [site(n) | {"month": month} | deterred for n in range(sites) for month in ("2026-09", "2026-10")],
        },
    }


def words(pdf: Path) -> list[tuple[int, str, float, float, float, float]]:
    """(page, word, x0, y0, x1, y1) in mm."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    found = []
    plain = re.sub(r"<!DOCTYPE[^>]*>", "", out).replace('xmlns="http://www.w3.org/1999/xhtml"', "")
    root = ElementTree.fromstring(plain)
    for number, page in enumerate(root.iter("page"), start=1):
        for word in page.iter("word"):
            box = [float(word.get(k, 0)) / MM for k in ("xMin", "yMin", "xMax", "yMax")]
            found.append((number, word.text or "", *box))
    return found


def text_of(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def test_every_word_is_inside_the_margins(crowded_report: Path) -> None:
    found = words(crowded_report)
    assert len(found) > 1000
    outside = [w for w in found if w[2] < MARGIN - 1 or w[4] > PAGE_W - MARGIN + 1 or w[5] > PAGE_H - 3]
    assert not outside, outside[:5]


def test_no_word_is_drawn_over_another(crowded_report: Path) -> None:
    by_page: dict[int, list[tuple[int, str, float, float, float, float]]] = {}
    for word in words(crowded_report):
        by_page.setdefault(word[0], []).append(word)
    overlaps = []
    for page in by_page.values():
        for n, a in enumerate(page):
            for b in page[n + 1 :]:
                wide = min(a[4], b[4]) - max(a[2], b[2])
                tall = min(a[5], b[5]) - max(a[3], b[3])
                if wide > 0.3 and tall > 0.6:
                    overlaps.append((a[:2], b[:2]))
    assert not overlaps, overlaps[:5]


def test_nothing_is_shortened_and_every_definition_is_printed(crowded_report: Path) -> None:
    text = re.sub(r"\s+", "", text_of(crowded_report))
    assert "…" not in text
    for whole in (LONG_SITE, LONG_SITE_EN, "摄像机19号（东门停车场入口）", "o-wang-xiaoming"):
        assert re.sub(r"\s+", "", whole) in text, whole
    for definition in DEFINITIONS:
        assert re.sub(r"\s+", "", definition.zh) in text, definition.figure
        assert re.sub(r"\s+", "", definition.en) in text, definition.figure


def test_incident_kinds_are_named_never_printed_as_codes(crowded_report: Path) -> None:
    text = text_of(crowded_report)
    assert "巡查发现" in text and "其他" in text
    assert "patrol_observation" not in text and "made_up_kind" not in text


def test_the_right_margin_stays_blank_on_every_page(crowded_report: Path, tmp_path: Path) -> None:
    """Pixels, not words: no table runs into the margin (the patrol table used to be wider than the page)."""
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", "40", "-png", str(crowded_report), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert pages
    for png in pages:
        image = Image.open(png).convert("L")
        width, height = image.size
        margin_from = int(width * (PAGE_W - MARGIN + 1.5) / PAGE_W)
        banner = int(height * 26 / PAGE_H)  # the banner runs edge to edge on purpose
        strip = image.crop((margin_from, banner, width, height))
        assert strip.getextrema()[0] > 200, f"{png.name}: something is drawn in the right margin"


def test_the_issue_19_figures_are_printed_whole(crowded_report: Path) -> None:
    text = text_of(crowded_report)
    flat = re.sub(r"\s+", "", text)
    assert "视频核实、处置步骤与喊话劝离" in flat and "(continued续)" in flat  # the section runs over a page
    assert flat.count(re.sub(r"\s+", "", LONG_SITE)) >= 3  # verification, deterrence (two months) and the site pages
    assert "zhangwei-night-desk-seat-2" in flat and "user:" not in text
    assert "2026-09" in text and "1:11" in text  # a month of the deterrence table, a p90 of 71 s
    for rate in (0.925, 0.6):  # the step compliance and the deterrence rate
        assert re.sub(r"\s+", "", percent_text(rate)) in flat


def test_a_report_without_the_issue_19_figures_has_no_such_page(tmp_path: Path) -> None:
    path = tmp_path / "plain.pdf"
    path.write_bytes(render_pdf(Report.model_validate(sample_report())))
    assert "视频核实、处置步骤与喊话劝离" not in re.sub(r"\s+", "", text_of(path))
