from sim.core.search import bisect_smallest, gallop_down, gallop_up


def counting(threshold):
    calls = []

    def ok(v):
        calls.append(v)
        return v >= threshold

    return ok, calls


def test_bisect_finds_the_smallest_passing_value():
    for threshold in range(1, 40):
        ok, _ = counting(threshold)
        assert bisect_smallest(0, 40, ok) == threshold


def test_bisect_asks_about_log2_values():
    ok, calls = counting(700)
    assert bisect_smallest(0, 1024, ok) == 700
    assert len(calls) == 10


def test_gallop_down_brackets_the_answer_then_bisect_finishes():
    ok, calls = counting(37)
    lo, hi = gallop_down(100, ok)
    assert not ok(lo) and ok(hi) and lo < 37 <= hi
    assert bisect_smallest(lo, hi, ok) == 37


def test_gallop_down_stops_at_the_floor():
    ok, _ = counting(1)
    assert gallop_down(5, ok, floor=0) == (0, 2)  # 4 and 2 pass; 5 - 4 would be below the floor
    assert bisect_smallest(0, 2, ok) == 1


def test_gallop_up_doubles_to_the_ceiling():
    ok, _ = counting(50)
    assert gallop_up(3, ok, 1000) == (48, 96, True)
    never, _ = counting(10**9)
    assert gallop_up(3, never, 20) == (12, 20, False)
    always, calls = counting(0)
    assert gallop_up(3, always, 20) == (3, 3, True) and calls == [3]
