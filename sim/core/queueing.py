"""Queueing theory for checks and first guesses: Erlang B and C for M/M/c, stable for hundreds of servers.

The textbook Erlang C formula has a^c / c! in it, which overflows near c = 200; the Erlang B recursion
B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)) stays within [0, 1] for any c.
"""

from __future__ import annotations

import math


def erlang_b(servers: int, load: float) -> float:
    """Blocking probability of M/M/c/c with offered load `load` = lambda / mu (in erlangs)."""
    b = 1.0
    for k in range(1, servers + 1):
        b = load * b / (k + load * b)
    return b


def erlang_c(servers: int, load: float) -> float:
    """Probability that an arrival waits in M/M/c (load = lambda / mu < servers)."""
    if load >= servers:
        return 1.0
    b = erlang_b(servers, load)
    return servers * b / (servers - load * (1 - b))


def mmc_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean time in the queue (before service) of M/M/c; infinite when the queue is unstable."""
    load = arrival_rate / service_rate
    if load >= servers:
        return math.inf
    return erlang_c(servers, load) / (servers * service_rate - arrival_rate)


def mmc_queue_length(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean number waiting (Little's law on the mean wait)."""
    return arrival_rate * mmc_wait(arrival_rate, service_rate, servers)


def tables_for_wait(arrival_rate: float, service_rate: float, max_wait: float, quantile: float = 0.95) -> int:
    """Fewest servers whose M/M/c waiting time meets `max_wait` at the given quantile:
    P(W > t) = C(c, a) exp(-(c mu - lambda) t)."""
    c = max(1, math.floor(arrival_rate / service_rate) + 1)
    while True:
        load = arrival_rate / service_rate
        tail = erlang_c(c, load) * math.exp(-(c * service_rate - arrival_rate) * max_wait)
        if tail <= 1 - quantile:
            return c
        c += 1


def wait_tail(arrival_rate: float, service_rate: float, servers: int, t: float) -> float:
    """P(W > t) in M/M/c (1 when the queue is unstable)."""
    load = arrival_rate / service_rate
    if load >= servers:
        return 1.0
    return erlang_c(servers, load) * math.exp(-(servers * service_rate - arrival_rate) * t)


def max_rate_for_wait(servers: int, service_rate: float, max_wait: float, quantile: float = 0.95) -> float:
    """The largest arrival rate that `servers` tables serve with the wait within `max_wait` at the given
    quantile (the inverse of `tables_for_wait`; the tail grows with the rate, so bisection finds it)."""
    lo, hi = 0.0, servers * service_rate
    for _ in range(60):
        mid = (lo + hi) / 2
        if wait_tail(mid, service_rate, servers, max_wait) <= 1 - quantile:
            lo = mid
        else:
            hi = mid
    return lo
