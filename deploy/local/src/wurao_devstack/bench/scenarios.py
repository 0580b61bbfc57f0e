"""Benchmark scenarios. Each prints its runs and the ratio of each to its baseline, measured in the same run."""

from __future__ import annotations

from wurao_devstack.bench.fast_paths import fast_paths
from wurao_devstack.bench.reporting import figure_delay, hunan_figures, pipeline
from wurao_devstack.bench.scan_page import scan_page

SCENARIOS = {
    "fast-paths": fast_paths,
    "scan-page": scan_page,
    "pipeline": pipeline,
    "figure-delay": figure_delay,
    "hunan-figures": hunan_figures,
}
