"""The wire contract's additions of issue 19 are documented with their payloads (README "Additions to the wire
contract", docs/design.md's topic table), and every example payload the README gives is one the contract's own
models accept, with the fields the text names."""

from __future__ import annotations

import json
import re
from pathlib import Path

from devices.contract import CameraCommand, CameraEvent, decode

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text("utf-8")
DESIGN = (ROOT / "docs" / "design.md").read_text("utf-8")
ADDITIONS = README[README.index("## Additions to the wire contract") :]


def examples(kind: str) -> list[dict[str, object]]:
    """The README's example payloads (inline JSON in backticks) whose `type` or `action` is `kind`."""
    found = [json.loads(text) for text in re.findall(r"`(\{\"[^`]*\})`", ADDITIONS)]
    return [payload for payload in found if kind in (payload.get("type"), payload.get("action"))]


def test_the_record_command_example_is_a_valid_camera_command() -> None:
    (example,) = examples("record")
    command = decode(CameraCommand, json.dumps(example).encode())
    assert (command.pre_s, command.post_s) == (8, 4) and command.expires_at is not None


def test_the_verification_and_presence_event_examples_are_valid_camera_events() -> None:
    (verification,) = examples("verification")
    event = decode(CameraEvent, json.dumps(verification).encode())
    assert event.command_id and event.clip_start and event.clip_end and event.clip_start < event.clip_end
    (presence,) = examples("presence")
    assert decode(CameraEvent, json.dumps(presence).encode()).present is False


def test_the_design_document_lists_the_additions_on_the_camera_topics() -> None:
    command_row = next(line for line in DESIGN.splitlines() if "/camera/{device}/command" in line)
    event_row = next(line for line in DESIGN.splitlines() if "/camera/{device}/event" in line)
    for field in ("command_id", "`record`", "pre_s", "post_s", "expires_at"):
        assert field in command_row, field
    for field in ("`verification`", "`presence`", "command_id", "clip_start", "clip_end", "present"):
        assert field in event_row, field
