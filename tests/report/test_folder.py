import pytest

from sim.report.folder import ResultsFolderError, check_results_dir, default_results_dir, staged_folder


def test_two_runs_in_one_second_get_two_folders(tmp_path):
    first = default_results_dir(tmp_path / "plan.yaml", tmp_path)
    first.mkdir(parents=True)
    second = default_results_dir(tmp_path / "plan.yaml", tmp_path)
    assert second != first and second.parent == first.parent


def test_a_folder_appears_only_when_whole(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(RuntimeError), staged_folder(out) as tmp:
        (tmp / "half.txt").write_text("x")
        raise RuntimeError("interrupted")
    assert not out.exists()
    with staged_folder(out) as tmp:
        (tmp / "whole.txt").write_text("x")
    assert (out / "whole.txt").exists()
    with pytest.raises(ResultsFolderError, match="never overwrites"):
        check_results_dir(out)
