"""The local Data API over HTTP: each path of botocore's rds-data model is served by its
operation (`wire.OPERATIONS`), an error answers its code in `x-amzn-ErrorType` and the body;
paths under `/_local/` are the control surface (`control.py`).

HTTP is the standard library's (`http.server`, a thread per connection): HTTP/1.1 keep-alive,
as boto3's connection pool expects, Content-Length bodies only, each response sent in one
segment when it fits the write buffer.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from alex_data_dev.local_data_api import control, wire
from alex_data_dev.local_data_api.control import Calls, Latency
from alex_data_dev.local_data_api.engine import Engine
from alex_data_dev.local_data_api.errors import DataApiError, bad_request
from alex_data_dev.local_data_api.request_log import RequestLog, Served
from alex_data_dev.local_data_api.wire import OPERATIONS

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 4 * 1024 * 1024  # headers and JSON together, as Aurora counts
REQUEST_TOO_LARGE = "Request size exceeded the allowed limit of 4 MiB"


class _Server(ThreadingHTTPServer):
    # A burst of concurrent callers must not be refused at the socket.
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        engine: Engine,
        request_log: RequestLog | None,
        latency: Latency,
    ) -> None:
        self.engine = engine
        self.request_log = request_log
        self.latency = latency
        self.calls = Calls()
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End kept-alive connections, so their handler threads stop waiting for requests."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _BadHttp(Exception):
    """The request is not HTTP we serve: answered 400, then the connection closes."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive unless the client says close
    # A request line without a version is answered with a status line, never as HTTP/0.9.
    default_request_version = "HTTP/1.1"
    # Without Nagle's delay: a small response must not wait for the client's delayed ACK.
    disable_nagle_algorithm = True
    # Headers and body leave in one write when they fit; the handler flushes after each request.
    wbufsize = 64 * 1024
    server: _Server
    raw_requestline: bytes  # set by the base class for each request

    def handle(self) -> None:
        with contextlib.suppress(ConnectionError):  # the client went away: nothing to answer
            super().handle()

    def handle_expect_100(self) -> bool:
        answered = super().handle_expect_100()
        self.wfile.flush()  # the client waits for it before sending the body
        return answered

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        log.debug(format, *args)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Requests that are not HTTP we serve (a bad request line, headers, method): a JSON
        answer, then the connection closes."""
        self.close_connection = True
        body = json.dumps({"message": message or HTTPStatus(code).phrase}).encode()
        self._respond(code, body)

    def do_POST(self) -> None:
        started = time.perf_counter()
        request: dict[str, Any] = {}
        rows: int | None = None
        path = self.path.split("?", 1)[0]
        operation = OPERATIONS.get(path)
        is_control = path.startswith("/_local/")
        if not is_control:
            self.server.latency.delay()
        try:
            body = self._read_body()
            if is_control:
                engine, latency = self.server.engine, self.server.latency
                calls = self.server.calls
                answer = control.serve(self.command, path, body, engine.faults, latency, calls)
            else:
                if operation is None or self.command != "POST":
                    raise DataApiError("NotFoundException", f"No operation at {self.path}")
                self.server.calls.count()
                request = wire.json_object(body)
                answer, rows = operation.serve(self.server.engine, request)
            status, code = 200, None
        except _BadHttp as exc:
            self.send_error(400, str(exc))
            return
        except DataApiError as error:
            answer, status, code = wire.error_response(error), error.status, error.code
        except Exception:
            log.exception("unexpected failure serving %s", self.path)
            internal = DataApiError("InternalServerErrorException", "InternalServerError")
            answer, status, code = wire.error_response(internal), internal.status, internal.code
        self._respond(status, answer, code)
        request_log = self.server.request_log
        if request_log is not None and operation is not None:
            ms = (time.perf_counter() - started) * 1000
            served = Served(operation.name, status, code, request, len(answer), rows, ms)
            with contextlib.suppress(Exception):  # a log line must never break serving
                request_log(served)

    do_GET = do_DELETE = do_PUT = do_PATCH = do_POST

    # --- HTTP -------------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if "Transfer-Encoding" in self.headers:
            raise _BadHttp("chunked request bodies are not supported")
        declared = self.headers.get("Content-Length", "0").strip()
        if not declared.isdigit():
            raise _BadHttp("invalid Content-Length")
        length = int(declared)
        head = len(self.raw_requestline) + sum(len(k) + len(v) + 4 for k, v in self.headers.items())
        if length + head <= MAX_REQUEST_BYTES:
            return self.rfile.read(length) if length else b""
        # Read and drop the body, so the client sees our answer rather than a reset while it
        # is still sending, and the connection stays usable.
        remaining = length
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 1 << 20))
            if not chunk:
                break
            remaining -= len(chunk)
        raise bad_request(REQUEST_TOO_LARGE)

    def _respond(self, status: int, body: bytes, error_code: str | None = None) -> None:
        self.send_response_only(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        if error_code is not None:
            self.send_header("x-amzn-ErrorType", error_code)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    # --- routing ----------------------------------------------------------------------------


class DataApiHttpServer:
    """The HTTP server on a background thread."""

    def __init__(
        self,
        engine: Engine,
        host: str,
        port: int,
        request_log: RequestLog | None = None,
        latency_ms: float = 0.0,
    ) -> None:
        self._server = _Server((host, port), engine, request_log, Latency(latency_ms))
        self._thread: threading.Thread | None = None

    @property
    def latency_ms(self) -> float:
        return self._server.latency.ms

    @latency_ms.setter
    def latency_ms(self, value: float) -> None:
        self._server.latency.ms = value

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def calls(self) -> int:
        """Data API requests served (control calls under /_local/ excluded)."""
        return self._server.calls.served

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="data-api-http",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
