import pytest
from pydantic import ValidationError

from sim.scenario.spec import DistSpec, PointGroup, Scenario


def test_a_plain_duration_is_a_fixed_distribution():
    g = PointGroup.model_validate({"name": "a", "residents": 10, "tables": 1, "lab": "L", "travel_time": "20m"})
    assert g.travel_time.dist == "fixed" and g.travel_time.value == 1200.0


def test_a_distribution_needs_its_own_keys():
    with pytest.raises(ValidationError, match="needs sd"):
        DistSpec.model_validate({"dist": "lognormal", "mean": "30s"})
    with pytest.raises(ValidationError, match="takes mean"):
        DistSpec.model_validate({"dist": "exponential", "mean": "30s", "sd": "3s"})


def test_bare_numbers_are_not_durations():
    with pytest.raises(ValidationError):
        PointGroup.model_validate({"name": "a", "residents": 10, "tables": 1, "lab": "L", "travel_time": 20})


def test_the_schema_names_the_format():
    assert Scenario.model_json_schema()["title"] == "natsim scenario (format v1)"
