from sim.plan import workers
from sim.plan.workers import Workers, evaluate_part, evaluate_whole


def test_a_part_reuses_its_crowd_and_agrees_with_the_whole_round(small_round):
    workers.clear_crowds()
    part = small_round.for_lab(0)
    first = evaluate_part(part, ("k",), 0, logistics=True)
    assert len(workers._crowds) == 1
    again = evaluate_part(part, ("k",), 0, logistics=True)
    assert first == again and len(workers._crowds) == 1
    assert evaluate_part(part, ("k",), 0, logistics=False).worst_p95_wait_min == first.worst_p95_wait_min
    whole = evaluate_whole(small_round, 0)
    assert whole.results_complete_h is not None


def test_one_process_runs_tasks_in_order():
    assert Workers(1).run(max, [(0, (1, 2)), (1, (5, 3))]) == [2, 5]


def test_local_processes_share_one_crowd_budget():
    """Each of N local processes keeps 1/N of `CROWD_CACHE_RESIDENTS`; simulating here keeps it all."""
    pool = Workers(2)
    try:
        # A function of the package, not of this module: spawned workers import only what is installed.
        assert pool.run(workers.crowd_share, [(0, ()), (1, ())]) == [workers.CROWD_CACHE_RESIDENTS // 2] * 2
    finally:
        pool.close()
    before = workers._kept
    try:
        Workers(1)
        assert workers._kept == workers.CROWD_CACHE_RESIDENTS
    finally:
        workers.keep_crowds(before)


def test_a_process_drops_its_oldest_crowd_past_its_share(small_round):
    before = workers._kept
    workers.clear_crowds()
    part = small_round.for_lab(0)
    try:
        workers.keep_crowds(part.residents)  # room for one crowd
        evaluate_part(part, ("a",), 0, logistics=False)
        evaluate_part(part, ("b",), 0, logistics=False)
        assert list(workers._crowds) == [(("b",), 0)]
    finally:
        workers.keep_crowds(before)
        workers.clear_crowds()
