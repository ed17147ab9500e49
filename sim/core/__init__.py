"""Building blocks with no knowledge of testing rounds: durations, distributions, random streams,
statistics, queueing formulas, searching, fitting and CSV cells."""
