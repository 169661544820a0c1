"""The REST face of the engine: the paths and error wire format of botocore's rds-data model.

Also a small control surface for tests under `/_local/` (not part of the Data API):
`GET /_local/health`; `GET|POST|DELETE /_local/faults`, where POST takes e.g.
`{"DatabaseResumingException": 2}` to make the next two eligible calls fail with that error.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from alex_data_dev.local_data_api.engine import Engine
from alex_data_dev.local_data_api.errors import DataApiError, bad_request

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 4 * 1024 * 1024  # headers and JSON together, as Aurora counts
REQUEST_TOO_LARGE = "Request size exceeded the allowed limit of 4 MiB"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # A burst of concurrent callers must not be refused at the socket.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], engine: Engine) -> None:
        self.engine = engine
        self.routes: dict[str, Callable[[Mapping[str, Any]], bytes]] = {
            "/Execute": engine.execute_statement,
            "/BatchExecute": engine.batch_execute_statement,
            "/BeginTransaction": engine.begin_transaction,
            "/CommitTransaction": engine.commit_transaction,
            "/RollbackTransaction": engine.rollback_transaction,
        }
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    # Keep-alive: boto3 reuses its connection, so a call costs no TCP handshake.
    protocol_version = "HTTP/1.1"
    # Headers and body leave in one write (see _send) and without Nagle's delay: otherwise a
    # small response waits ~40 ms for the client's delayed ACK.
    disable_nagle_algorithm = True
    wbufsize = -1
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        log.debug("%s " + format, self.address_string(), *args)

    def _send(self, status: int, body: bytes, error_code: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        if error_code is not None:
            self.send_header("x-amzn-ErrorType", error_code)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _send_error(self, error: DataApiError) -> None:
        self._send(error.status, json.dumps(error.body()).encode(), error.code)

    def _read_json(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        header_bytes = sum(len(k) + len(v) + 4 for k, v in self.headers.items())
        if length + header_bytes > MAX_REQUEST_BYTES:
            # Unread body: the connection cannot be reused.
            self.close_connection = True
            raise bad_request(REQUEST_TOO_LARGE)
        raw = self.rfile.read(length) if length else b"{}"
        try:
            return json.loads(raw)
        except ValueError:
            raise bad_request("The request body is not valid JSON") from None

    def do_POST(self) -> None:
        try:
            if self.path == "/_local/faults":
                self._faults_post()
                return
            route = self.server.routes.get(self.path.split("?", 1)[0])
            if route is None:
                self._read_json()
                raise DataApiError("NotFoundException", f"No operation at {self.path}")
            request = self._read_json()
            if not isinstance(request, dict):
                raise bad_request("The request body must be a JSON object")
            self._send(200, route(request))
        except DataApiError as error:
            self._send_error(error)
        except Exception:
            log.exception("unexpected failure serving %s", self.path)
            self._send_error(DataApiError("InternalServerErrorException", "InternalServerError"))

    def _faults_post(self) -> None:
        faults = self._read_json()
        if not isinstance(faults, dict):
            raise bad_request('POST /_local/faults takes {"<ErrorCode>": <count>, ...}')
        current = self.server.engine.set_faults(faults)
        self._send(200, json.dumps({"faults": current}).encode())

    def do_GET(self) -> None:
        if self.path == "/_local/faults":
            self._send(200, json.dumps({"faults": self.server.engine.faults()}).encode())
        elif self.path == "/_local/health":
            self._send(200, b'{"status": "ok"}')
        else:
            self._send_error(DataApiError("NotFoundException", f"No resource at {self.path}"))

    def do_DELETE(self) -> None:
        if self.path == "/_local/faults":
            self.server.engine.clear_faults()
            self._send(200, b'{"faults": {}}')
        else:
            self._send_error(DataApiError("NotFoundException", f"No resource at {self.path}"))


class DataApiHttpServer:
    """The HTTP server on a background thread."""

    def __init__(self, engine: Engine, host: str, port: int) -> None:
        self._server = _Server((host, port), engine)
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
        if self._thread is not None:
            self._thread.join(timeout=5)
