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
