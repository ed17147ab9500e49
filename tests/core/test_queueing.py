import math

import pytest

from sim.core.queueing import erlang_b, erlang_c, mmc_queue_length, mmc_wait, tables_for_wait


def _erlang_c_factorial(c: int, a: float) -> float:
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


@pytest.mark.parametrize(("c", "a"), [(1, 0.5), (2, 1.8), (4, 1.8), (10, 8.0), (50, 45.0)])
def test_erlang_c_matches_the_textbook_formula_where_it_does_not_overflow(c, a):
    assert erlang_c(c, a) == pytest.approx(_erlang_c_factorial(c, a), rel=1e-10)


def test_published_mmc_cases():
    # lambda = 9, mu = 5: mean number waiting 7.674 (2 servers), 0.105 (4); mean response time 1.053 and 0.212.
    assert mmc_queue_length(9, 5, 2) == pytest.approx(7.674, abs=5e-4)
    assert mmc_queue_length(9, 5, 4) == pytest.approx(0.105, abs=5e-4)
    assert mmc_wait(9, 5, 2) + 1 / 5 == pytest.approx(1.053, abs=5e-4)
    assert mmc_wait(9, 5, 4) + 1 / 5 == pytest.approx(0.212, abs=5e-4)


def test_stable_for_hundreds_of_servers():
    with pytest.raises(OverflowError):
        _erlang_c_factorial(400, 380.0)  # the formula the recursion replaces
    p = erlang_c(400, 380.0)
    assert 0 < p < 1
    assert 0 <= erlang_b(1000, 900.0) <= 1
    assert mmc_wait(10, 1, 10) == math.inf


def test_tables_for_wait_is_the_smallest_that_meets_the_target():
    lam, mu = 120.0, 2.0  # per minute: 60 erlangs
    c = tables_for_wait(lam, mu, 0.5)
    tail = lambda n: erlang_c(n, lam / mu) * math.exp(-(n * mu - lam) * 0.5)  # noqa: E731
    assert tail(c) <= 0.05 < tail(c - 1)


def test_max_rate_inverts_tables_for_wait():
    from sim.core.queueing import max_rate_for_wait

    mu, w = 1 / 30, 1800.0
    for k in (1, 2, 4, 8):
        lam = max_rate_for_wait(k, mu, w)
        assert tables_for_wait(lam * 0.999, mu, w) <= k < tables_for_wait(lam * 1.01, mu, w)
