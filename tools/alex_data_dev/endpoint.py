"""What `alex-data migrate` and `alex-data invoke` check before they talk to a Data API.

- A loopback endpoint (`AWS_ENDPOINT_URL_RDS_DATA` on 127.0.0.1, localhost or ::1) is a local
  Data API, which checks neither region nor signature: where the environment sets no region
  and no access key, a region and dummy credentials are supplied, and the CLI says so. A real
  endpoint (or none, i.e. AWS) gets nothing defaulted: boto3's own resolution applies.
- An endpoint where nothing accepts a connection is refused at once, naming the URL and what
  starts one, instead of the gateway retrying for its whole budget. Inside Lambda nothing of
  this runs: the function keeps retrying within the invocation's time.
- Without `AURORA_CLUSTER_ARN`/`AURORA_SECRET_ARN`, the next step is to start `alex-data serve`.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import MutableMapping
from urllib.parse import urlsplit

__all__ = [
    "LOCAL_REGION",
    "START_HINT",
    "endpoint_url",
    "is_loopback",
    "missing_configuration",
    "supply_local_defaults",
    "unreachable",
]

# The region in the local endpoint's ARNs (any region works against it).
LOCAL_REGION = "us-east-1"
DUMMY_KEY = "local"
START_HINT = (
    "start a local Data API with `alex-data serve` (or `make serve`) in another terminal "
    "and paste the export lines it prints"
)
_REQUIRED = ("AURORA_CLUSTER_ARN", "AURORA_SECRET_ARN")
_PROBE_TIMEOUT = 3.0


def endpoint_url(environ: MutableMapping[str, str] | None = None) -> str | None:
    """The endpoint boto3's rds-data client will use, when the environment names one."""
    env = os.environ if environ is None else environ
    return env.get("AWS_ENDPOINT_URL_RDS_DATA") or env.get("AWS_ENDPOINT_URL") or None


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def supply_local_defaults(environ: MutableMapping[str, str] | None = None) -> str | None:
    """For a loopback endpoint, set a region and dummy credentials where none are set.

    Returns the sentence saying what was supplied, None when nothing was.
    """
    env = os.environ if environ is None else environ
    url = endpoint_url(env)
    if url is None or not is_loopback(url):
        return None
    supplied = []
    if not (env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")):
        env["AWS_DEFAULT_REGION"] = LOCAL_REGION
        supplied.append(f"region {LOCAL_REGION}")
    if not env.get("AWS_ACCESS_KEY_ID"):
        env["AWS_ACCESS_KEY_ID"] = DUMMY_KEY
        env["AWS_SECRET_ACCESS_KEY"] = DUMMY_KEY
        env.pop("AWS_SESSION_TOKEN", None)
        supplied.append("dummy credentials")
    if not supplied:
        return None
    return (
        f"local endpoint {url}: using {' and '.join(supplied)} "
        "(a local Data API checks neither; set AWS_DEFAULT_REGION/AWS_ACCESS_KEY_ID to override)"
    )


def unreachable(url: str, timeout: float = _PROBE_TIMEOUT) -> str | None:
    """Why nothing accepts a connection at `url`, or None when something does."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        return "not a URL with a host"
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        return str(exc)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return exc.strerror or str(exc) or type(exc).__name__


def unreachable_message(url: str, why: str) -> str:
    where = f"nothing answers at {url} (AWS_ENDPOINT_URL_RDS_DATA): {why}"
    if is_loopback(url):
        return f"{where}; {START_HINT}"
    return f"{where}; check the URL, or unset it to use AWS's endpoint"


def missing_configuration(environ: MutableMapping[str, str] | None = None) -> list[str]:
    """The required variables the environment does not set."""
    env = os.environ if environ is None else environ
    return [name for name in _REQUIRED if not env.get(name, "").strip()]


def missing_message(missing: list[str]) -> str:
    names = " and ".join(missing)
    verb = "is" if len(missing) == 1 else "are"
    return f"{names} {verb} not set: {START_HINT} (for a real cluster, set them to its ARNs)"
