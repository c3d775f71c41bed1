"""Percentiles and the 20 % trimmed mean."""

from __future__ import annotations

import pytest

from lambda_kit.tools.stats import percentile, summary, trimmed_mean


def test_nearest_rank_percentiles() -> None:
    values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6]
    assert percentile(values, 50) == 5
    assert percentile(values, 90) == 9
    assert percentile(values, 100) == 10
    assert percentile([42], 90) == 42
    assert percentile([], 50) is None


def test_trimmed_mean_drops_top_and_bottom_20_percent() -> None:
    # 10 samples: drop 2 lowest (1, 2) and 2 highest (100, 1000) -> mean of 3..8
    values = [1000, 3, 4, 5, 6, 7, 8, 1, 2, 100]
    assert trimmed_mean(values, 0.2) == pytest.approx(5.5)
    assert trimmed_mean(values, 0.0) == pytest.approx(113.6)


def test_trimmed_mean_keeps_everything_when_too_few_samples() -> None:
    assert trimmed_mean([10, 20], 0.2) == 15
    assert trimmed_mean([], 0.2) is None
    with pytest.raises(ValueError):
        trimmed_mean([1, 2], 0.5)


def test_summary() -> None:
    s = summary([1.0, 2.0, 3.0, 4.0])
    assert s == {"n": 4, "p50": 2.0, "p90": 4.0, "max": 4.0, "mean": 2.5}
