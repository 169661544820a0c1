"""The REST face of the engine: the paths and error wire format of botocore's rds-data model.

Also a small control surface for tests under `/_local/` (not part of the Data API):
`GET /_local/health`; `GET|POST|DELETE /_local/faults`, where POST takes e.g.
`{"DatabaseResumingException": 2}` to make the next two eligible calls fail with that error.

The HTTP/1.1 handling is our own, small and strict: keep-alive, Content-Length bodies, one
write per response. http.server's handler parses headers through the email package and, on
this machine, cost about 0.3 ms more per call, a third of the endpoint's whole added cost.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import socketserver
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

from alex_data_dev.local_data_api.engine import Engine
from alex_data_dev.local_data_api.errors import DataApiError, bad_request

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 4 * 1024 * 1024  # headers and JSON together, as Aurora counts
REQUEST_TOO_LARGE = "Request size exceeded the allowed limit of 4 MiB"
_MAX_LINE = 65536
_MAX_HEADERS = 200

Route = Callable[[Mapping[str, Any]], bytes]
# One served request, for a request log: operation, HTTP status, error code or None, the SQL
# (static text; the values travel as parameters and are never logged), rows, bytes, ms.
RequestLog = Callable[["Served"], None]

# path -> the Data API operation it serves
OPERATIONS = {
    "/Execute": "ExecuteStatement",
    "/BatchExecute": "BatchExecuteStatement",
    "/BeginTransaction": "BeginTransaction",
    "/CommitTransaction": "CommitTransaction",
    "/RollbackTransaction": "RollbackTransaction",
}


class Served:
    __slots__ = ("error", "ms", "operation", "request", "response_bytes", "rows", "status")

    def __init__(
        self,
        operation: str,
        status: int,
        error: str | None,
        request: Mapping[str, Any],
        response: bytes,
        ms: float,
    ) -> None:
        self.operation = operation
        self.status = status
        self.error = error
        self.request = request
        self.response_bytes = len(response)
        self.ms = ms
        self.rows = _rows(response) if error is None else None

    @property
    def sql(self) -> str:
        sql = self.request.get("sql")
        return " ".join(sql.split()) if isinstance(sql, str) else ""


def _rows(response: bytes) -> int | None:
    """Rows returned, or updated when nothing is returned."""
    try:
        body = json.loads(response)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    for key in ("records", "updateResults"):
        if isinstance(body.get(key), list):
            return len(body[key])
    if "formattedRecords" in body:
        found = json.loads(body["formattedRecords"] or "[]")
        return len(found) if isinstance(found, list) else None
    updated = body.get("numberOfRecordsUpdated")
    return updated if isinstance(updated, int) else None


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    # A burst of concurrent callers must not be refused at the socket.
    request_queue_size = 128

    def __init__(
        self, address: tuple[str, int], engine: Engine, request_log: RequestLog | None = None
    ) -> None:
        self.engine = engine
        self.request_log = request_log
        self.routes: dict[str, Route] = {
            "/Execute": engine.execute_statement,
            "/BatchExecute": engine.batch_execute_statement,
            "/BeginTransaction": engine.begin_transaction,
            "/CommitTransaction": engine.commit_transaction,
            "/RollbackTransaction": engine.rollback_transaction,
        }
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
    """The request is not HTTP we serve; answer 400 and close."""


class _Request:
    __slots__ = ("body", "close", "headers_size", "method", "path")

    def __init__(self, method: str, path: str, body: bytes, close: bool, headers_size: int):
        self.method = method
        self.path = path
        self.body = body
        self.close = close
        self.headers_size = headers_size


class _Handler(socketserver.StreamRequestHandler):
    # Without Nagle's delay: a small response must not wait for the client's delayed ACK.
    disable_nagle_algorithm = True
    server: _Server

    def handle(self) -> None:
        while True:
            try:
                request = self._read_request()
            except _BadHttp as exc:
                self._respond(400, json.dumps({"message": str(exc)}).encode(), close=True)
                return
            except (ConnectionError, TimeoutError):
                return
            if request is None:
                return
            self._dispatch(request)
            if request.close:
                return

    # --- HTTP -------------------------------------------------------------------------------

    def _read_request(self) -> _Request | None:
        line = self.rfile.readline(_MAX_LINE)
        while line in (b"\r\n", b"\n"):
            line = self.rfile.readline(_MAX_LINE)
        if not line:
            return None
        parts = line.split()
        if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
            raise _BadHttp("malformed request line")
        method, target, version = (p.decode("latin-1") for p in parts)
        length, close, size = self._read_headers(close=version == "HTTP/1.0")
        size += len(line)
        if length + size > MAX_REQUEST_BYTES:
            # Read and drop the body, so the client sees our answer rather than a reset
            # while it is still sending, and the connection stays usable.
            remaining = length
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                remaining -= len(chunk)
            return _Request(method, target, b"", close, headers_size=length + size)
        body = self.rfile.read(length) if length else b""
        return _Request(method, target, body, close, size)

    def _read_headers(self, close: bool) -> tuple[int, bool, int]:
        """Content-Length, whether to close after answering, and the headers' size."""
        length = size = 0
        for _ in range(_MAX_HEADERS):
            header = self.rfile.readline(_MAX_LINE)
            size += len(header)
            if header in (b"\r\n", b"\n", b""):
                return length, close, size
            name, _, value = header.partition(b":")
            key, value = name.strip().lower(), value.strip().lower()
            if key == b"content-length":
                if not value.isdigit():
                    raise _BadHttp("invalid Content-Length")
                length = int(value)
            elif key == b"connection":
                close = value == b"close" or (close and value != b"keep-alive")
            elif key == b"transfer-encoding":
                raise _BadHttp("chunked request bodies are not supported")
            elif key == b"expect" and value == b"100-continue":
                self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        raise _BadHttp("too many headers")

    def _respond(
        self, status: int, body: bytes, error_code: str | None = None, close: bool = False
    ) -> None:
        head = [
            f"HTTP/1.1 {status} {HTTPStatus(status).phrase}",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
            f"x-amzn-RequestId: {uuid.uuid4()}",
        ]
        if error_code is not None:
            head.append(f"x-amzn-ErrorType: {error_code}")
        if close:
            head.append("Connection: close")
        # One write: headers and body in one segment.
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)

    # --- routing ----------------------------------------------------------------------------

    def _dispatch(self, request: _Request) -> None:
        started = time.perf_counter()
        path = request.path.split("?", 1)[0]
        parsed: Mapping[str, Any] = {}
        try:
            if request.headers_size > MAX_REQUEST_BYTES:
                raise bad_request(REQUEST_TOO_LARGE)
            if path.startswith("/_local/"):
                body = self._control(request.method, path, request.body)
            else:
                route = self.server.routes.get(path)
                if route is None or request.method != "POST":
                    raise DataApiError("NotFoundException", f"No operation at {request.path}")
                parsed = _json_object(request.body)
                body = route(parsed)
            status, code = 200, None
        except DataApiError as error:
            body = json.dumps(error.body()).encode()
            status, code = error.status, error.code
        except Exception:
            log.exception("unexpected failure serving %s", request.path)
            internal = DataApiError("InternalServerErrorException", "InternalServerError")
            body = json.dumps(internal.body()).encode()
            status, code = internal.status, internal.code
        self._respond(status, body, code, close=request.close)
        request_log = self.server.request_log
        if request_log is not None and path in OPERATIONS:
            ms = (time.perf_counter() - started) * 1000
            with contextlib.suppress(Exception):  # a log line must never break serving
                request_log(Served(OPERATIONS[path], status, code, parsed, body, ms))

    def _control(self, method: str, path: str, body: bytes) -> bytes:
        engine = self.server.engine
        if path == "/_local/health" and method == "GET":
            return b'{"status": "ok"}'
        if path == "/_local/faults":
            if method == "POST":
                faults = _json_object(body)
                return json.dumps({"faults": engine.set_faults(faults)}).encode()
            if method == "DELETE":
                engine.clear_faults()
            if method in ("GET", "DELETE"):
                return json.dumps({"faults": engine.faults()}).encode()
        raise DataApiError("NotFoundException", f"No resource at {method} {path}")


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        raise bad_request("The request body is not valid JSON") from None
    if not isinstance(value, dict):
        raise bad_request("The request body must be a JSON object")
    return value


class DataApiHttpServer:
    """The HTTP server on a background thread."""

    def __init__(
        self, engine: Engine, host: str, port: int, request_log: RequestLog | None = None
    ) -> None:
        self._server = _Server((host, port), engine, request_log)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

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
