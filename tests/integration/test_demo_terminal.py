"""`sentinel demo` as a newcomer sees it: the hub's JSON logs go to DATA_DIR/logs/hub.log, the terminal shows
the start-up steps and then the banner, last; `sentinel demo info` prints the banner again from another
terminal; Ctrl-C stops it cleanly. (Without simulators: the camera simulators use fixed ports.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sentinel_dev.services import free_port
from tests.integration.conftest import REPO

BANNER_END = "Stop      Ctrl-C"


def _wait_for(path: Path, text: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = path.read_text(errors="replace") if path.exists() else ""
        if text in seen:
            return seen
        time.sleep(0.5)
    raise AssertionError(f"{text!r} not in {path} after {timeout} s:\n{seen[-3000:]}")


def test_the_demo_terminal_shows_the_banner_last_and_logs_go_to_a_file(tmp_path: Path, scratch_dir: Path) -> None:
    data = scratch_dir
    port = free_port()
    env = {
        **os.environ,
        "SENTINEL_DATA_DIR": str(data),
        "SENTINEL_HTTP": f"127.0.0.1:{port}",
        "SENTINEL_DC09_TCP": f"127.0.0.1:{free_port()}",
        "SENTINEL_INSTANCE": "demo-test",
    }
    for name in ("SENTINEL_MQTT_URL", "SENTINEL_DATABASE_URL"):
        env.pop(name, None)
    terminal = tmp_path / "terminal.txt"
    with terminal.open("wb") as out:
        demo = subprocess.Popen(
            [sys.executable, "-m", "hub", "demo", "--no-simulators"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        shown = _wait_for(terminal, BANNER_END, timeout=120)
        time.sleep(2)  # nothing may follow the banner while the demo runs quietly
        shown = terminal.read_text()
        assert shown.rstrip().endswith("─" * 78), shown[-500:]
        assert f"http://127.0.0.1:{port}/" in shown and "duty / duty" in shown and "is NOT simulated" in shown
        assert not [line for line in shown.splitlines() if line.lstrip().startswith("{")], "JSON on the terminal"
        logged = [json.loads(line) for line in (data / "logs" / "hub.log").read_text().splitlines()]
        assert any(entry["event"] == "hub starting" for entry in logged)

        info = subprocess.run(
            [sys.executable, "-m", "hub", "demo", "info"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
        )
        assert info.returncode == 0, info.stderr
        assert "Sentinel demo is running" in info.stdout and f"http://127.0.0.1:{port}/officer" in info.stdout
    finally:
        demo.send_signal(signal.SIGINT)
        assert demo.wait(60) == 0
    assert not (data / "demo.json").exists()
    stopped = subprocess.run(
        [sys.executable, "-m", "hub", "demo", "info"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert stopped.returncode == 1 and "no demo is running" in stopped.stderr
