"""Formatting shared by the benchmarks."""

from __future__ import annotations

import statistics


def backend_name(database_url: str) -> str:
    """`sqlite` or `postgresql` from a SQLAlchemy URL."""
    return database_url.split(":", 1)[0].split("+")[0]


def percentiles(seconds: list[float], *cuts: int) -> str:
    """`p50 1.2 ms  p99 3.4 ms` for the given percentiles of `seconds`."""
    points = statistics.quantiles(seconds, n=100)
    return "  ".join(f"p{cut} {points[cut - 1] * 1000:6.2f} ms" for cut in cuts)
