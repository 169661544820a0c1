"""The cyclic collector during init: no collection while an init step runs, what it built
frozen afterwards, collection on again (alex_schemas.collector)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from alex_schemas import collector


def _collectable(built: list[list[int]]) -> bool:
    """Whether the collector still scans `built` (a frozen object is left out of its lists)."""
    return any(obj is built for obj in gc.get_objects())


@pytest.fixture
def collecting() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_no_collection_runs_inside_and_what_was_built_is_frozen_after(collecting: None) -> None:
    with collector.paused():
        assert not gc.isenabled()
        built = [[i] for i in range(10)]
    assert gc.isenabled()
    assert not _collectable(built)


def test_a_failing_step_still_turns_collection_back_on(collecting: None) -> None:
    with pytest.raises(RuntimeError), collector.paused():
        raise RuntimeError("init failed")
    assert gc.isenabled()


def test_collection_turned_off_by_the_caller_stays_off_and_nothing_is_frozen() -> None:
    was = gc.isenabled()
    gc.disable()
    try:
        with collector.paused():
            built = [[i] for i in range(10)]
        assert not gc.isenabled()
        assert _collectable(built)
    finally:
        if was:
            gc.enable()
