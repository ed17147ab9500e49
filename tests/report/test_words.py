from sim.report.words import describe_round, verdict
from sim.run.runner import run


def test_the_description_counts_residents_points_and_the_deadline(small_round):
    text = describe_round(small_round)
    assert "800 residents" in text and "2 points" in text and "12 h" in text


def test_the_verdict_says_met_or_missed_first(small_round):
    met = verdict(run(small_round, 2).summary())
    missed = verdict(run(small_round.with_(deadline=3600.0), 2).summary())
    assert met[0].startswith("Deadline 12 h: MET") and missed[0].startswith("Deadline 1 h: MISSED")
