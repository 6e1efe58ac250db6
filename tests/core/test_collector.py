"""`collector_paused`: the cyclic garbage collector is off inside the block and back as it was after."""
from __future__ import annotations

import gc

import pytest

from ledger_core.collector import collector_paused


def test_the_collector_is_off_inside_and_on_again_after_even_when_the_block_fails() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("the block failed")
    assert gc.isenabled()


def test_a_block_inside_another_leaves_the_collector_off_until_the_outer_one_ends() -> None:
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block found it off: it leaves it off
    assert gc.isenabled()


def test_a_collector_turned_off_by_the_caller_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
