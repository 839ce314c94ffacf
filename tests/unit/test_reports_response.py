"""The CSV export carries the press-to-video-verification, step-compliance and deterrence sections of the report."""

from __future__ import annotations

import csv
import io

from hub.adapters.reports_csv import render_csv
from hub.services.views.reports import Report
from tests.unit.test_reports import sample_report


def _section(rows: list[list[str]], title: str) -> list[list[str]]:
    start = next(n for n, row in enumerate(rows) if row and row[0].startswith("## ") and title in row[0])
    end = next(n for n in range(start + 1, len(rows)) if not rows[n])
    return rows[start + 1 : end]


def test_the_csv_has_verification_per_site_and_compliance_per_seat() -> None:
    report = sample_report()
    figures = {"requested": 4, "verified": 3, "verified_share": 0.75, "within_target": 2, "within_target_share": 0.5}
    times = {"median_s": 6.5, "p90_s": 11.0}
    report["video_verification"] = {
        "target_s": 10.0,
        "totals": {**figures, **times},
        "sites": [{"site_id": "site-01", "site_name": "测试银行01", "site_name_en": "Bank 01", **figures, **times}],
    }
    seat = {"incidents": 3, "required_due": 6, "required_done": 5, "compliance": 5 / 6, "resolved_with_open_steps": 1}
    report["step_compliance"] = {"totals": seat, "seats": [{"seat": "user:zhang", **seat}]}
    rows = list(csv.reader(io.StringIO(render_csv(Report.model_validate(report)).decode("utf-8").lstrip("\ufeff"))))

    verification = _section(rows, "Press to video verification")
    assert verification[0][5] == "10秒内 within_target"
    assert verification[1] == ["site-01", "测试银行01", "4", "3", "0.7500", "2", "0.5000", "6.5", "11.0"]
    assert verification[2][0] == "total"
    compliance = _section(rows, "Response step compliance")
    assert compliance[1][:4] == ["user:zhang", "3", "6", "5"] and compliance[2][0] == "total"


def test_the_csv_has_the_deterrence_rate_per_site_and_month() -> None:
    report = sample_report()
    figures = {"warned": 5, "deterred": 4, "not_deterred": 1, "deterred_share": 0.8}
    report["deterrence"] = {
        "totals": figures,
        "sites": [
            {"site_id": "site-01", "site_name": "测试银行01", "site_name_en": "Bank 01", "month": "2026-10", **figures}
        ],
    }
    rows = list(csv.reader(io.StringIO(render_csv(Report.model_validate(report)).decode("utf-8").lstrip("\ufeff"))))

    deterrence = _section(rows, "Deterrence rate")
    assert deterrence[1] == ["site-01", "测试银行01", "2026-10", "5", "4", "1", "0.8000"]
    assert deterrence[2][:3] == ["total", "", ""]
