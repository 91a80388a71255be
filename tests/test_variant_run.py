"""Ablation items: P shares the total IPC out evenly, "a-b" gives explicit stage sizes;
either must add up to the total, and the schedule then holds those sizes."""

from __future__ import annotations

import pytest

from pdd.analyses.variant_run import split_stage_ipcs
from pdd.core.progressive import Schedule


def test_a_stage_count_shares_the_total_evenly():
    assert split_stage_ipcs(5, 10) == (2, 2, 2, 2, 2)
    assert split_stage_ipcs(1, 10) == (10,)


def test_a_split_gives_each_stage_its_size():
    assert split_stage_ipcs("2-8", 10) == (2, 8)
    assert split_stage_ipcs("1-1-8", 10) == (1, 1, 8)


@pytest.mark.parametrize(("item", "key"), [(3, "stage_counts"), ("2-7", "stage_ipcs")])
def test_items_that_do_not_add_up_name_their_key(item, key):
    with pytest.raises(ValueError, match=f"ablation.{key}"):
        split_stage_ipcs(item, 10)


def test_schedules_with_uneven_stages():
    assert Schedule("progressive", 2, 5, (2, 8)).ipcs() == [2, 8]
    assert Schedule("union", 2, 5, (2, 8)).ipcs() == [10]
    assert Schedule("progressive", 5, 2).ipcs() == [2] * 5
    with pytest.raises(ValueError, match="one IPC per stage"):
        Schedule("progressive", 3, 5, (2, 8))
