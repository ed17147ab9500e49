"""The validation table of docs/validation.md: every case must pass."""

import pytest

from validation import cases


@pytest.fixture(scope="module")
def table():
    return {c.name: c for c in cases.all_cases()}


def test_every_validation_case_passes(table):
    failed = [
        f"{c.name}: expected {c.expected:.6g}, simulated {c.simulated:.6g} {c.ci95}" for c in table.values() if not c.passed
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
