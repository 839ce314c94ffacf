"""Synthetic districts for tests, load generators and benchmarks (same file format as config/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def synthetic_district(
    sites: int = 10,
    buttons_per_site: int = 5,
    test_mode_sites: int = 0,
    targets: dict[str, dict[str, int]] | None = None,
    auto_dispatch: list[int] | None = None,
    camera_interval_s: int | None = None,
    button_interval_s: int | None = None,
    speaker_interval_s: int | None = None,
    grace_s: int | None = None,
    warning_rules: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """`sites` banks in two grids, each with buttons, a camera and a speaker; four officers and a
    supervisor. Device ids: btn-{site:02d}-{n}, cam-{site:02d}, spk-{site:02d}."""
    officers: list[dict[str, Any]] = [{"id": f"o{i}", "name": f"警员{i}", "grid": f"g{i % 2}"} for i in range(4)]
    officers.append({"id": "sup", "name": "值班所领导", "role": "supervisor"})

    def device(device_id: str, kind: str, interval: int | None) -> dict[str, Any]:
        return {"id": device_id, "kind": kind, **({"report_interval_s": interval} if interval else {})}

    district: dict[str, Any] = {
        "district": {"id": "test-district", "name": "测试辖区", "name_en": "Test district"},
        "grids": [{"id": f"g{i}", "name": f"网格{i}", "officer": f"o{i}"} for i in range(2)],
        "officers": officers,
        "sites": [
            {
                "id": f"site-{s:02d}",
                "name": f"测试银行{s:02d}",
                "name_en": f"Test Bank {s:02d}",
                "kind": "bank",
                "grid": f"g{s % 2}",
                "lat": round(39.9 + s / 1000, 6),
                "lon": round(116.4 + s / 1000, 6),
                "test_mode": s < test_mode_sites,
                "devices": [
                    *(device(f"btn-{s:02d}-{b}", "button", button_interval_s) for b in range(buttons_per_site)),
                    device(f"cam-{s:02d}", "camera", camera_interval_s or 60),
                    device(f"spk-{s:02d}", "speaker", speaker_interval_s),
                ],
            }
            for s in range(sites)
        ],
        "response_targets": targets or {},
        "auto_dispatch_priorities": [1] if auto_dispatch is None else auto_dispatch,
    }
    if grace_s:
        district["supervision_grace_s"] = grace_s
    district["messages"] = [
        {
            "id": "leave-now",
            "text": {"zh-CN": "这里是公安视频监控区域，请立即离开。", "en": "Police video surveillance. Leave now."},
        },
        {"id": "police-coming", "text": {"zh-CN": "警方正在赶来，请保持冷静。", "en": "The police are on the way."}},
    ]
    district["warning_rules"] = warning_rules or []
    return district


def write_district(path: Path, **options: Any) -> Path:
    return save_district(path, synthetic_district(**options))


def save_district(path: Path, district: dict[str, Any]) -> Path:
    """A district (e.g. a synthetic one with sections added) as the YAML file the hub reads."""
    path.write_text(yaml.safe_dump(district, allow_unicode=True, sort_keys=False), "utf-8")
    return path
