"""``jixiao serve`` (toolkit/excel/serve.py), run as the add-in runs it — a separate process started
with ``python -m toolkit.cli serve`` — and driven over real HTTP: it listens on the loopback only,
refuses a press without the install token (401) or with a wrong one (403), refuses an oversize
snapshot (413) and malformed JSON (400) with a Chinese message and carries on, answers a real
sample's snapshot with the plan tests/test_protocol.py checks cell by cell, serves the add-in's
files without the token, and exits by itself when idle.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from toolkit.excel import protocol
from toolkit.excel.wps import ensure_config

from tests.test_protocol import SAMPLE, Host, assert_same_as_score

ROOT = Path(__file__).resolve().parents[1]


class Engine:
    """A ``jixiao serve`` process on a free port, with its own config folder (token)."""

    def __init__(self, config: Path, *extra: str):
        self.token = ensure_config(config)["token"]
        env = dict(os.environ, JIXIAO_CONFIG_DIR=str(config), PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen([sys.executable, "-m", "toolkit.cli", "serve", "--port", "0", *extra],
                                        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, (line, self.process.stderr.read() if self.process.poll() is not None else "")
        self.port = int(match[1])
        self.base = f"http://127.0.0.1:{self.port}"

    def request(self, path: str, body: bytes | None = None, headers: dict | None = None):
        """(status, parsed JSON or raw bytes)."""
        request = urllib.request.Request(self.base + path, data=body, headers=headers or {},
                                         method="POST" if body is not None else "GET")
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                status, data, kind = reply.status, reply.read(), reply.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            status, data, kind = error.code, error.read(), error.headers.get("Content-Type", "")
        return status, (json.loads(data) if kind.startswith("application/json") else data)

    def press(self, snapshot: dict, token: str | None = "mine"):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["X-Jixiao-Token"] = self.token if token == "mine" else token
        return self.request("/press", json.dumps(snapshot).encode("utf-8"), headers)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process.stdout.close()
        self.process.stderr.close()


@pytest.fixture
def engine(tmp_path):
    running = Engine(tmp_path / "config")
    yield running
    running.stop()


def _other_addresses() -> list[str]:
    """This machine's addresses other than the loopback (what another PC would connect to)."""
    found = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(info[4][0])
    except OSError:
        pass
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: only picks the outgoing interface
            found.add(probe.getsockname()[0])
        except OSError:
            pass
    return sorted(address for address in found if not address.startswith("127."))


def test_listens_on_the_loopback_only(engine):
    with socket.create_connection(("127.0.0.1", engine.port), timeout=5):
        pass
    others = _other_addresses()
    if not others:
        pytest.skip("this machine has no address but the loopback")
    for address in others:
        with pytest.raises(OSError):
            socket.create_connection((address, engine.port), timeout=2).close()


def test_a_press_without_or_with_a_wrong_token_is_refused(engine):
    snapshot = Host(SAMPLE).snapshot()
    status, plan = engine.press(snapshot, token=None)
    assert status == 401 and plan["status"] == "failed" and "口令" in plan["message"]["text"]
    status, plan = engine.press(snapshot, token="0" * 32)
    assert status == 403 and "口令不对" in plan["message"]["text"]
    assert protocol.schema_problems({k: v for k, v in plan.items() if k != "error"}, "plan") == []
    # A page on another host name (DNS rebinding) is refused even with the token.
    status, _ = engine.request("/press", json.dumps(snapshot).encode(), {"X-Jixiao-Token": engine.token,
                                                                        "Host": f"evil.example:{engine.port}"})
    assert status == 403


def test_a_press_with_the_token_scores_the_sample(engine, tmp_path):
    host = Host(SAMPLE)

    def over_http(snapshot):
        status, plan = engine.press(snapshot)
        assert status == 200
        return plan

    from tests.test_protocol import press
    plan, rounds = press(host, engine=over_http)
    assert plan["status"] == "done" and rounds == 2
    assert_same_as_score(host, SAMPLE, tmp_path / "cli.xlsx")


def test_malformed_json_is_refused_and_the_server_carries_on(engine):
    headers = {"X-Jixiao-Token": engine.token, "Content-Type": "application/json"}
    status, plan = engine.request("/press", b'{"protocol": "jixiao-press", "sheets": [', headers)
    assert status == 400 and "不是有效的 JSON" in plan["message"]["text"]
    status, plan = engine.request("/press", b"\xff\xfe", headers)
    assert status == 400
    status, plan = engine.press({"protocol": "jixiao-press"})  # JSON, but no snapshot: a message, not a crash
    assert status == 200 and plan["status"] == "failed" and "快照的格式不对" in plan["message"]["text"]
    status, reply = engine.request("/ping")
    assert status == 200 and reply["engine"] == "jixiao-press"


def test_an_oversize_snapshot_is_refused(tmp_path):
    small = Engine(tmp_path / "config", "--max-mb", "0.02")
    try:
        snapshot = Host(SAMPLE).snapshot()
        assert len(json.dumps(snapshot).encode()) > 0.02 * 1048576
        status, plan = small.press(snapshot)
        assert status == 413 and "工作簿太大" in plan["message"]["text"] and "jixiao score" in plan["message"]["text"]
        status, _ = small.request("/ping")
        assert status == 200
    finally:
        small.stop()


def test_serves_the_addin_without_the_token(engine):
    status, ribbon = engine.request("/wps/ribbon.xml")
    assert status == 200 and "计算得分" in ribbon.decode("utf-8")
    status, config = engine.request("/wps/config.js")
    assert status == 200 and engine.token not in config.decode("utf-8")
    status, _ = engine.request("/wps/../serve.py")
    assert status == 404


def test_exits_when_idle(tmp_path):
    idle = Engine(tmp_path / "config", "--idle-timeout", "1")
    try:
        started = time.monotonic()
        status, _ = idle.request("/ping")
        assert status == 200
        assert idle.process.wait(timeout=15) == 0
        assert time.monotonic() - started >= 1
    finally:
        idle.stop()
