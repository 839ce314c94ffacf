"""The district's `dc09:` block: panel accounts validated against the registry, errors that name the
file and key, conversion into the panel directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.config import ConfigError, load_district
from simulators.districts import synthetic_district

KEY_HEX = "00112233445566778899AABBCCDDEEFF"


def district_with(panels: list[dict[str, Any]], **dc09: Any) -> dict[str, Any]:
    district = synthetic_district(sites=2, buttons_per_site=1)
    district["sites"][0]["devices"].append({"id": "panel-00", "kind": "panel", "report_interval_s": 60})
    district["dc09"] = {"panels": panels, **dc09}
    return district


def write(tmp_path: Path, district: dict[str, Any], text: str | None = None) -> Path:
    path = tmp_path / "district.yaml"
    path.write_text(text if text is not None else yaml.safe_dump(district, allow_unicode=True), "utf-8")
    return path


def problems(tmp_path: Path, district: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_district(write(tmp_path, district))
    assert all(str(tmp_path) in line for line in str(caught.value).splitlines())  # every error names the file
    return caught.value.problems


def test_a_district_without_panels_has_an_empty_directory(tmp_path: Path) -> None:
    path = write(tmp_path, synthetic_district(sites=1))
    assert len(load_district(path).panels) == 0


def test_panels_become_the_directory(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        district_with(
            [
                {"account": "12ab", "site": "site-00", "device": "panel-00"},
                {"account": "9876", "site": "site-00", "device": "panel-00", "key_hex": KEY_HEX.lower()},
            ],
            timestamp_past_s=40,
        ),
    )
    panels = load_district(path).panels
    clear = panels.find("12AB", "0", None)
    assert clear is not None and (clear.site_id, clear.device_id, clear.key) == ("site-00", "panel-00", None)
    encrypted = panels.find("9876", "0", None)
    assert encrypted is not None and encrypted.key == bytes.fromhex(KEY_HEX)
    assert (panels.window.past_s, panels.window.future_s) == (40, 20)


@pytest.mark.parametrize("digits", [32, 48, 64])
def test_aes_keys_of_128_192_and_256_bits_are_accepted(tmp_path: Path, digits: int) -> None:
    panel = {"account": "1234", "site": "site-00", "device": "panel-00", "key_hex": "A" * digits}
    load_district(write(tmp_path, district_with([panel])))


def test_the_device_must_be_a_panel_of_that_site(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        district_with(
            [
                {"account": "1111", "site": "nowhere", "device": "panel-00"},
                {"account": "2222", "site": "site-01", "device": "panel-00"},
                {"account": "3333", "site": "site-00", "device": "btn-00-0"},
            ]
        ),
    )
    assert found == [
        "dc09.panels[0].site: unknown site 'nowhere'",
        "dc09.panels[1].device: 'panel-00' is not a device of site 'site-01'",
        "dc09.panels[2].device: 'btn-00-0' is a button, not a panel",
    ]


def test_an_account_is_used_once(tmp_path: Path) -> None:
    panel = {"site": "site-00", "device": "panel-00"}
    found = problems(tmp_path, district_with([{"account": "abcd", **panel}, {"account": "ABCD", **panel}]))
    assert found == ["dc09.panels[1].account: account 'ABCD' is used more than once"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("account", "12", "dc09.panels[0].account: String should match pattern"),
        ("account", "12G4", "dc09.panels[0].account: String should match pattern"),
        ("key_hex", "00112233", "dc09.panels[0].key_hex: Value error, must be 32, 48 or 64 hex digits"),
        ("key_hex", "Z" * 32, "dc09.panels[0].key_hex: Value error, must be hex digits"),
        ("prefix", "1234567", "dc09.panels[0].prefix: String should match pattern"),
        ("colour", "red", "dc09.panels[0].colour: Extra inputs are not permitted"),
    ],
)
def test_bad_panel_entries_name_their_key(tmp_path: Path, field: str, value: str, message: str) -> None:
    panel = {"account": "1234", "site": "site-00", "device": "panel-00", field: value}
    [problem] = problems(tmp_path, district_with([panel]))
    assert problem.startswith(message)


def test_an_unquoted_account_is_refused_with_a_hint(tmp_path: Path) -> None:
    district = district_with([])
    text = yaml.safe_dump(district, allow_unicode=True).replace(
        "panels: []", "panels:\n  - {account: 0123, site: site-00, device: panel-00}"
    )
    with pytest.raises(ConfigError) as caught:
        load_district(write(tmp_path, district, text))
    [problem] = caught.value.problems
    assert problem.startswith("dc09.panels[0].account:") and "quoted" in problem
