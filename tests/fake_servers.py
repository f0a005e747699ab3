"""Small misbehaving HTTP servers on 127.0.0.1, each run from a thread, for provider-failure tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Request:
    """What the fake server received: method, path (with query), headers and the JSON body, if any."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Reply:
    """A reply: a status, a body (bytes, or an iterable of chunks sent one by one) and headers."""

    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)


HANG = object()  # accept the request and never answer
DROP = object()  # close the connection without a reply


def json_reply(payload: Any, status: int = 200) -> Reply:
    return Reply(status, json.dumps(payload).encode(), {"Content-Type": "application/json"})


def html_reply(status: int = 200) -> Reply:
    page = b"<!DOCTYPE html><html><head><title>Welcome</title></head><body><h1>It works!</h1></body></html>"
    return Reply(status, page, {"Content-Type": "text/html; charset=utf-8"})


def sse_reply(events: Iterable[dict | str]) -> Reply:
    """A `text/event-stream` reply: each event a JSON object (or a raw string such as "[DONE]")."""
    chunks = (f"data: {event if isinstance(event, str) else json.dumps(event)}\n\n".encode() for event in events)
    return Reply(200, chunks, {"Content-Type": "text/event-stream"})


class FakeServer:
    """Answers every request with `respond(request)`: a `Reply`, `HANG` or `DROP`; records the requests."""

    def __init__(self, respond: Callable[[Request], Any]) -> None:
        self.requests: list[Request] = []
        self._closing = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                self._answer()

            def do_POST(self):
                self._answer()

            def log_message(self, format, *args):
                pass

            def _answer(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                request = Request(self.command, self.path, dict(self.headers), body)
                fake.requests.append(request)
                reply = respond(request)
                if reply is HANG:
                    fake._closing.wait(30)
                    self.close_connection = True
                    return
                if reply is DROP:
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if isinstance(reply.body, bytes):
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                    return
                self.send_header("Connection", "close")
                self.end_headers()
                for chunk in reply.body:
                    self.wfile.write(chunk)
                    self.wfile.flush()
                self.close_connection = True

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeServer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
