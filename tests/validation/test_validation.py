"""The validation table of docs/validation.md: every case must pass, and the page shows the cases as run."""

import os
from pathlib import Path

import pytest

from validation import cases


@pytest.fixture(scope="module")
def table():
    return {c.name: c for c in cases.all_cases()}


def test_every_validation_case_passes(table):
    failed = [
        f"{c.name}: expected {c.expected:.6g}, simulated {c.simulated:.6g} {c.ci95}"
        for c in table.values()
        if not c.passed
    ]
    assert failed == []


def test_the_table_covers_the_required_cases(table):
    names = " ".join(table)
    for needle in (
        "M/M/1,",
        "M/M/200,",
        "utilisation 0.5",
        "utilisation 0.9",
        "lambda=9, mu=5: mean number waiting",
        "Little's law",
        "lab: 1000 tubes",
        "pooling 10-in-1",
        "95th percentile wait (FCFS)",
        "shifts:",
    ):
        assert needle in names


ROOT = Path(__file__).resolve().parents[2]
HEAD = """# Validation

The engine against theory and closed forms. Generated from `tests/validation/cases.py` by the test
suite, which runs the same cases and fails if any row fails or this page is out of date
(`NATSIM_UPDATE_GOLDEN=1 .venv/bin/pytest tests/validation` rewrites it).

- **M/M/c**: one point, exponential service (mean 30 s, or 12 s for the published lambda=9, mu=5 cases,
  with a minute as the time unit), a flat arrival profile, {residents:,} residents per replication, the
  first {warm:.0%} of the arrival period discarded as start-up, {reps} replications. Expected: Erlang C
  through the Erlang B recursion (`sim/core/queueing.py`). A case passes when the expected value lies in the
  simulated 99.9% Student-t interval (the table shows the 95% interval). Where Erlang C puts the mean wait
  below 0.1% of a service time, waiting is too rare to estimate; such a case checks that the simulated
  wait is negligible too.
- **Little's law**: on simulated output with shifts and an early queue, the area under each point's
  queue-length curve equals the sum of its residents' waits.
- **Lab**: N tubes reaching a lab together with fixed times; plates = ceiling(N / plate size), and the
  last result at the time the plate rules give by hand (see `lab_cases`).
- **Pooling**: tubes filled at each table = ceiling(residents served there / pool size).

| case | expected | simulated | 95% interval | pass |
| --- | --- | --- | --- | --- |
"""


def _page(table) -> str:
    rows = []
    for c in table.values():
        unit = f" {c.unit}" if c.unit else ""
        lo, hi = c.ci95
        interval = "-" if lo == hi else f"{lo:.4g} - {hi:.4g}"
        rows.append(
            f"| {c.name} | {c.expected:.4g}{unit} | {c.simulated:.4g}{unit} | {interval} | "
            f"{'yes' if c.passed else 'NO'} |"
        )
    return HEAD.format(residents=cases.RESIDENTS, warm=cases.WARM_UP, reps=cases.REPS) + "\n".join(rows) + "\n"


def test_docs_validation_md_shows_the_cases_as_run(table):
    page, doc = _page(table), ROOT / "docs" / "validation.md"
    if os.environ.get("NATSIM_UPDATE_GOLDEN"):
        doc.write_text(page, encoding="utf-8")
    assert doc.read_text(encoding="utf-8") == page, (
        "docs/validation.md is out of date: NATSIM_UPDATE_GOLDEN=1 pytest tests/validation"
    )
