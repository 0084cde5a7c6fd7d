"""Fixtures of the kernel's tests: a real webhook receiver."""

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers POSTs with ``statuses`` in turn, then ``default``; records them."""

    statuses: list[int]
    default: int = 200
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)
    url: str = ""

    def json(self, index: int = 0) -> Any:
        return json.loads(self.requests[index].body)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
            time.sleep(receiver.delay)
            status = receiver.statuses.pop(0) if receiver.statuses else receiver.default
            answer = b"thanks" if 200 <= status < 300 else b"receiver says no"
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "http://127.0.0.1:1/elsewhere")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

    return Handler


@pytest.fixture
def start_receiver() -> Iterator[Callable[..., Receiver]]:
    servers: list[ThreadingHTTPServer] = []

    def start(statuses: tuple[int, ...] = (), default: int = 200, delay: float = 0.0) -> Receiver:
        receiver = Receiver(statuses=list(statuses), default=default, delay=delay)
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/kontor"
        return receiver

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
