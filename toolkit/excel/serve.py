"""``jixiao serve``: the engine behind the WPS add-in's buttons — a small HTTP server on 127.0.0.1.

* ``POST /press`` — a snapshot (JSON, :mod:`toolkit.excel.protocol`) in, a plan out. The request
  must carry the per-install token (header ``X-Jixiao-Token``; created by ``jixiao wps install``
  and kept in the user's config folder), so no other page or program on the PC can drive it:
  none → 401, a wrong one → 403. A body above the size limit → 413, malformed JSON → 400, each
  with a Chinese message in a plan; the server carries on.
* ``GET /wps/…`` — the add-in's own files (ribbon.xml, main.js …), so an add-in loaded from the
  engine is same-origin with ``/press``; ``GET /ping`` — alive? (no token: it says nothing).
* Bound to the loopback address only; a request whose Host header is not the loopback (a DNS
  rebinding page) is refused; the server exits after ``idle`` seconds without a request — the
  add-in starts it again (``OAAssist.ShellExecute``) on the next press.

Example::

    >>> import threading, urllib.request, json
    >>> server = make_server(port=0, token="t" * 32, idle=60)
    >>> thread = threading.Thread(target=server.serve_forever, daemon=True); thread.start()
    >>> with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/ping") as reply:
    ...     json.load(reply)["engine"]
    'jixiao-press'
    >>> server.shutdown(); server.server_close()
"""

from __future__ import annotations

import hmac
import json
import mimetypes
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from toolkit import __version__
from toolkit.excel.wps import DEFAULT_PORT, build_addin, ensure_config

LOOPBACK = "127.0.0.1"
DEFAULT_IDLE = 30 * 60  # seconds without a request before the engine stops itself
DEFAULT_LIMIT = 32 * 1024 * 1024  # bytes of one snapshot: a 200-form workbook is a few MB
TOKEN_HEADER = "X-Jixiao-Token"


# ------------------------------------------------------------------ the server

class EngineServer(ThreadingHTTPServer):
    """The HTTP server with the token, the size limit, the idle clock and the add-in's files."""

    daemon_threads = True

    def __init__(self, port: int, token: str, idle: float, limit: int):
        super().__init__((LOOPBACK, port), Handler)
        self.token, self.idle, self.limit = token, idle, limit
        self.last_request = time.monotonic()
        self.press_lock = threading.Lock()  # one press at a time: a clerk presses one button
        # The add-in as built (ribbon.xml, manifest …) with a config.js that holds no token: any
        # local page may load a script from here, so the token is never served.
        self._addin = tempfile.TemporaryDirectory(prefix="jixiao-wps-")
        self.addin_dir = build_addin(Path(self._addin.name) / "wps")

    def server_close(self) -> None:
        super().server_close()
        self._addin.cleanup()

    def touch(self) -> None:
        self.last_request = time.monotonic()

    def idle_for(self) -> float:
        return time.monotonic() - self.last_request


def make_server(port: int = DEFAULT_PORT, token: str | None = None, idle: float = DEFAULT_IDLE,
                limit: int = DEFAULT_LIMIT) -> EngineServer:
    """A server bound to 127.0.0.1:``port`` (0: any free port), not yet serving; the token is the
    installed one unless given."""
    if not token:
        token = ensure_config()["token"]
    return EngineServer(port, token, idle, limit)


def _watch_idle(server: EngineServer) -> None:
    while True:
        time.sleep(min(1.0, max(server.idle / 4, 0.05)))
        if server.idle_for() > server.idle:
            server.shutdown()
            return


def serve(server: EngineServer) -> None:
    """Serve until idle for ``server.idle`` seconds."""
    threading.Thread(target=_watch_idle, args=(server,), daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()


class Handler(BaseHTTPRequestHandler):
    """/press, /ping, /wps/… (see the module doc)."""

    server: EngineServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 — the signature is http.server's
        pass  # a clerk's engine keeps no access log

    # -- replies
    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self._cors()
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: dict) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

    def _refuse(self, status: int, text: str) -> None:
        from toolkit.excel.protocol import failed

        self.close_connection = True
        self._json(status, dict(failed(text, "绩效自评 - 计算引擎"), error=status))

    def _cors(self) -> None:
        # The add-in installed in WPS's jsaddons folder is not served from here: its requests are
        # cross-origin. The token, not the origin, decides who may press.
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Headers", f"Content-Type, {TOKEN_HEADER}")
        self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")

    def _host_ok(self) -> bool:
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]").lower()
        return host in ("127.0.0.1", "localhost", "")

    # -- requests
    def do_OPTIONS(self):  # noqa: N802 — http.server's naming
        self.server.touch()
        self._send(204, b"", "text/plain")

    def do_GET(self):  # noqa: N802
        self.server.touch()
        if not self._host_ok():
            return self._refuse(403, "请求的地址不是本机（127.0.0.1），已拒绝。")
        path = self.path.split("?", 1)[0]
        if path == "/ping":
            return self._json(200, {"engine": "jixiao-press", "version": __version__})
        if path in ("/wps", "/wps/"):
            path = "/wps/index.html"
        if path.startswith("/wps/"):
            return self._static(path[len("/wps/"):])
        self._refuse(404, f"没有这个地址：{path}")

    def _static(self, relative: str) -> None:
        root = self.server.addin_dir.resolve()
        target = (root / relative).resolve()
        if root not in target.parents or not target.is_file():
            return self._refuse(404, f"加载项中没有文件「{relative}」。")
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or target.suffix in (".js", ".xml", ".json"):
            kind = {".js": "text/javascript", ".xml": "text/xml", ".json": "application/json"}.get(target.suffix, kind)
            kind += "; charset=utf-8"
        self._send(200, target.read_bytes(), kind)

    def do_POST(self):  # noqa: N802
        self.server.touch()
        if not self._host_ok():
            return self._refuse(403, "请求的地址不是本机（127.0.0.1），已拒绝。")
        if self.path.split("?", 1)[0] != "/press":
            return self._refuse(404, f"没有这个地址：{self.path}")
        given = self.headers.get(TOKEN_HEADER)
        if not given:
            return self._refuse(401, "请求没有带安装口令，已拒绝。请从 WPS 的「绩效自评」选项卡按按钮；"
                                     "如果按钮也这样提示，请重新运行 jixiao wps install。")
        if not hmac.compare_digest(given.encode("utf-8", "replace"), self.server.token.encode("utf-8")):
            return self._refuse(403, "安装口令不对，已拒绝。请重新运行 jixiao wps install，然后重启 WPS。")
        try:
            length = int(self.headers.get("Content-Length") or "")
        except ValueError:
            return self._refuse(411, "请求没有说明内容长度，已拒绝。")
        if length > self.server.limit:
            return self._refuse(413, f"工作簿太大（快照 {length / 1048576:.1f} MB，上限 {self.server.limit / 1048576:.0f} MB），"
                                     "无法在 WPS 中计算得分。请删去与自评表无关的大工作表后再试，"
                                     "或保存后用命令 jixiao score 计算。")
        body = self.rfile.read(length)
        try:
            snapshot = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            return self._refuse(400, f"收到的工作簿快照不是有效的 JSON（{exc}），已忽略。请重新按按钮；"
                                     "如仍出错，请重新安装 WPS 加载项。")
        from toolkit.excel.protocol import press

        with self.server.press_lock:
            plan = press(snapshot)
        self.server.touch()  # a long press is not idleness
        self._json(200, plan)


def run_cli(args) -> int:
    """``jixiao serve``: serve until idle; exit 0. A port taken by a running engine is not an error."""
    config = ensure_config()
    port = config["port"] if args.port is None else args.port  # the add-in asks at the installed port
    try:
        server = make_server(port=port, token=config["token"], idle=args.idle_timeout,
                             limit=int(args.max_mb * 1048576))
    except OSError as exc:
        print(f"无法在 {LOOPBACK}:{port} 上启动计算引擎（{exc.strerror or exc}）：多半已有一个在运行。", file=sys.stderr)
        return 0 if _alive(port) else 1
    print(f"绩效自评计算引擎已启动：http://{LOOPBACK}:{server.server_port}/（闲置 {args.idle_timeout:g} 秒后自动退出）",
          flush=True)
    serve(server)
    return 0


def _alive(port: int) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://{LOOPBACK}:{port}/ping", timeout=2) as reply:
            return json.load(reply).get("engine") == "jixiao-press"
    except (OSError, ValueError):
        return False
