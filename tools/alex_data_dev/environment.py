"""Pointing the function in this process at an endpoint: the endpoint's environment in
`os.environ`, and the settings and gateway the function caches (`get_settings`, `get_gateway`)
built from it.

    with LocalDataApi() as api, activate_endpoint(api.env()) as gateway:
        ...                            # `gateway` is on `api`; `lambda_handler` uses the same

Both caches are cleared on the way in and on the way out: settings read before would name
another endpoint, and after it they would point at one that is gone.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alex_data.gateway import Gateway

__all__ = ["activate_endpoint", "environment", "fresh_function"]


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """`values` in `os.environ`; every name they set is as it was afterwards."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def fresh_function() -> Iterator[None]:
    """The function's cached settings and gateway forgotten now and again afterwards, so that
    inside they are built from the environment of the moment."""
    from alex_data.gateway import get_gateway
    from alex_data.settings import get_settings

    get_settings.cache_clear()
    get_gateway.cache_clear()
    try:
        yield
    finally:
        get_settings.cache_clear()
        get_gateway.cache_clear()


@contextmanager
def activate_endpoint(values: Mapping[str, str]) -> Iterator[Gateway]:
    """The function pointed at the endpoint whose environment is `values` (an `env()`, plus
    any setting of the caller's), for the time of the `with`; yields the function's gateway
    there (`get_gateway()`)."""
    from alex_data.gateway import get_gateway

    with environment(values), fresh_function():
        yield get_gateway()
