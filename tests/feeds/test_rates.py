"""The one fitting rule: service gaps and drives observed in a log, fitted when there are enough."""

from __future__ import annotations

import math

import numpy as np

from sim.core.fitting import fit_duration
from sim.feeds.log import read_log
from sim.feeds.rates import MIN_SERVICE_GAPS, fit_rates, service_samples


def test_round_trip_recovers_service_and_travel_within_sampling_error(drill):
    rnd, folder = drill
    log = read_log(folder, rnd, None)
    assert log.set_aside == []
    gaps = service_samples(log, rnd)
    fit = fit_duration(gaps)
    assert fit.kind in ("lognormal", "gamma")  # the truth is lognormal; gamma is its close cousin
    # Within four standard errors of a mean of n draws with sd 15 s.
    assert abs(fit.mean - 40) < 4 * 15 / math.sqrt(gaps.size)
    assert abs(fit.sd - 15) < 0.1 * 15
    transit = log.tubes["at_lab"] - log.tubes["picked_up"]
    trips = np.unique(transit)  # tubes of one trip share one draw
    travel = fit_duration(trips)
    assert abs(travel.mean - 1200) < 4 * 360 / math.sqrt(trips.size)


def test_fit_rates_fits_what_it_has_enough_of_and_nothing_from_too_few(drill):
    rnd, folder = drill
    log = read_log(folder, rnd, None)
    fits = fit_rates(log, rnd)
    assert fits.service is not None and abs(fits.service.mean - 40) < 4 * 15 / math.sqrt(fits.service_gaps.size)
    early = fit_rates(log, rnd, at=float(np.sort(log.swabbed)[MIN_SERVICE_GAPS // 4]))
    assert early.drives.size < fits.drives.size  # drives still on the road at TIME are not used
