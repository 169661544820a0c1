"""The endpoint's HTTP: what boto3's kept-alive connections rely on, and what it refuses."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from alex_data_dev.local_data_api import LocalDataApi

from tests.integration.local_data_api.conftest import Arns


@pytest.fixture
def sock(local_data_api: LocalDataApi) -> Iterator[socket.socket]:
    url = urlsplit(local_data_api.endpoint_url)
    with socket.create_connection((url.hostname or "", url.port or 0), timeout=10) as s:
        yield s


def read_response(s: socket.socket) -> tuple[str, dict[str, str], bytes]:
    """One response off the socket: status line, headers (lower-cased names), body.

    Reads no byte past the response, so pipelined responses that arrive in one segment stay on
    the socket for the next call.
    """
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        byte = s.recv(1)
        if not byte:
            raise ConnectionError("closed before a response")
        head += byte
    status, *lines = head[:-4].decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    length = int(headers["content-length"])
    body = b""
    while len(body) < length:
        chunk = s.recv(length - len(body))
        if not chunk:
            raise ConnectionError("closed inside a body")
        body += chunk
    return status, headers, body


def closed(s: socket.socket) -> bool:
    return s.recv(1) == b""


def post(path: str, body: bytes, *extra: str, version: str = "HTTP/1.1") -> bytes:
    head = [f"POST {path} {version}", "Host: x", f"Content-Length: {len(body)}", *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def test_pipelined_requests_on_one_connection_are_answered_in_order(
    sock: socket.socket, arns: Arns
) -> None:
    first = json.dumps({"sql": "SELECT 1", **arns}).encode()
    second = json.dumps({"sql": "SELECT 2", **arns}).encode()
    sock.sendall(post("/Execute", first) + post("/Execute", second))
    for expected in (1, 2):
        status, headers, body = read_response(sock)
        assert status == "HTTP/1.1 200 OK"
        assert headers["content-type"] == "application/json"
        assert headers["x-amzn-requestid"]
        assert json.loads(body)["records"] == [[{"longValue": expected}]]
    assert "connection" not in headers  # still open


def test_http_1_0_is_answered_then_closed(sock: socket.socket, arns: Arns) -> None:
    sock.sendall(
        post("/Execute", json.dumps({"sql": "SELECT 1", **arns}).encode(), version="HTTP/1.0")
    )
    status, headers, _ = read_response(sock)
    assert status.endswith(" 200 OK")
    assert headers["connection"] == "close"
    assert closed(sock)


def test_expect_100_continue_is_answered_before_the_body(sock: socket.socket, arns: Arns) -> None:
    body = json.dumps({"sql": "SELECT 1", **arns}).encode()
    head = post("/Execute", body, "Expect: 100-continue")[: -len(body)]
    sock.sendall(head)
    assert sock.recv(65536).startswith(b"HTTP/1.1 100 Continue\r\n")
    sock.sendall(body)
    status, _, answer = read_response(sock)
    assert status == "HTTP/1.1 200 OK"
    assert json.loads(answer)["records"] == [[{"longValue": 1}]]


@pytest.mark.parametrize(
    ("request_bytes", "message"),
    [
        (b"NONSENSE\r\n\r\n", "Bad request syntax ('NONSENSE')"),
        (
            b"POST /Execute HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "chunked request bodies are not supported",
        ),
        (b"POST /Execute HTTP/1.1\r\nContent-Length: ten\r\n\r\n", "invalid Content-Length"),
    ],
)
def test_what_is_not_http_we_serve_is_a_400_then_closed(
    sock: socket.socket, request_bytes: bytes, message: str
) -> None:
    sock.sendall(request_bytes)
    status, headers, body = read_response(sock)
    assert status.endswith(" 400 Bad Request")
    assert headers["connection"] == "close"
    assert json.loads(body) == {"message": message}
    assert closed(sock)


def test_a_request_over_the_limit_is_refused_and_the_connection_stays_usable(
    sock: socket.socket, arns: Arns
) -> None:
    sock.sendall(post("/Execute", b"x" * (4 * 1024 * 1024)))
    status, headers, body = read_response(sock)
    assert status == "HTTP/1.1 400 Bad Request"
    assert headers["x-amzn-errortype"] == "BadRequestException"
    assert json.loads(body)["message"] == "Request size exceeded the allowed limit of 4 MiB"
    sock.sendall(post("/Execute", json.dumps({"sql": "SELECT 1", **arns}).encode()))
    status, _, _ = read_response(sock)
    assert status == "HTTP/1.1 200 OK"
