from sim.scenario.names import NamedGroup, point_name, resolve


def test_names_are_numbered_from_0001_and_widen_past_9999():
    assert point_name("old-town", 0) == "old-town-0001"
    assert point_name("old-town", 9998) == "old-town-9999"
    assert point_name("old-town", 123_455) == "old-town-123456"


def test_every_point_of_a_large_group_is_found():
    # 150,000 points: the last ones too (names were once listed only up to 100,000).
    groups = [NamedGroup("big", 150_000), NamedGroup("small", 3)]
    for index in (0, 99_999, 100_000, 149_999):
        assert resolve(point_name("big", index), groups) == [(0, index)]
    assert resolve("big-150001", groups) == []
    assert resolve("big-1", groups) == []  # not how the point is named
    assert resolve("small-0004", groups) == []


def test_group_names_csv_stems_and_row_names():
    groups = [NamedGroup("pts", 1, ("东关",)), NamedGroup("pts", 1, ("西关",)), NamedGroup("a-0001", 2)]
    assert resolve("pts", groups) == [(0, -1), (1, -1)]
    assert resolve("西关", groups) == [(1, 0)]
    assert resolve("a-0001", groups) == [(2, -1)]  # a group's own name comes first
    assert resolve("nowhere", groups) == []
