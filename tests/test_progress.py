"""Checkers record their verdicts in the learner's progress file, and a broken or missing file never breaks one."""

import asyncio
import json
import subprocess
import sys

import pytest

import course
from course_helpers import progress
from course_helpers.exercises.ex00_start_here import check_time_tool
from course_helpers.exercises.ex01_dataclasses import check_inventory_item

INVENTORY = "ex01_dataclasses.check_inventory_item"


@pytest.fixture
def progress_path(tmp_path, monkeypatch):
    path = tmp_path / "my-work" / "progress.jsonl"
    monkeypatch.setenv("COURSE_PROGRESS", str(path))
    return path


class Empty:
    pass


def inventory_solution():
    return check_inventory_item.reference()


def test_each_verdict_is_recorded_with_its_exercise_and_time(progress_path, capsys):
    check_inventory_item(Empty)
    check_inventory_item(inventory_solution())
    entries = [json.loads(line) for line in progress_path.read_text().splitlines()]
    assert [(entry["exercise"], entry["passed"]) for entry in entries] == [(INVENTORY, False), (INVENTORY, True)]
    assert all(entry["time"].endswith("+00:00") for entry in entries)


def test_async_checkers_record_too(progress_path, capsys):
    asyncio.run(check_time_tool(...))
    assert progress.verdicts() == [{**progress.verdicts()[0], "exercise": "ex00_start_here.check_time_tool",
                                    "passed": False}]


def test_the_table_counts_an_exercise_done_once_it_passed(progress_path, capsys):
    check_inventory_item(inventory_solution())
    check_inventory_item(Empty)  # a later wrong try does not undo a pass
    table = progress.table()
    assert "Part I · Foundations: 1 of " in table
    assert "01 dataclasses" in table and " 1/2" in table.split("01 dataclasses")[1].splitlines()[0]
    assert "00 start_here" in table and " 0/1" in table.split("00 start_here")[1].splitlines()[0]


def test_every_exercise_module_is_in_the_table():
    rows = progress.table(done=[])
    for module, checks in progress.exercises().items():
        assert checks, f"{module} has no checkers"
        assert f"{module[2:4]} {module[5:]}" in rows


def test_a_full_part_shows_a_full_bar():
    done = [exercise for checks in progress.exercises().values() for exercise in checks]
    assert "[" + "█" * 20 + "] 100%" in progress.table(done=done).splitlines()[0]


@pytest.mark.parametrize("content", [b"not json\n{\"exercise\": 3}\n\xff\xfe\n[1, 2]\n{\"passed\": true}\n", b""])
def test_a_corrupted_file_is_read_past_and_still_appended_to(progress_path, capsys, content):
    progress_path.parent.mkdir(parents=True)
    progress_path.write_bytes(content)
    assert check_inventory_item(inventory_solution())
    assert [entry["exercise"] for entry in progress.verdicts()] == [INVENTORY]
    assert "1 of " in progress.table()


def test_an_unwritable_progress_file_never_breaks_a_checker(progress_path, capsys):
    progress_path.mkdir(parents=True)  # a folder where the file should be: reading and writing both fail
    assert check_inventory_item(inventory_solution())
    assert capsys.readouterr().out.startswith("✅")
    assert progress.verdicts() == [] and "0 of " in progress.table()


def test_a_missing_file_is_no_progress_and_reset_removes_the_file(progress_path, capsys):
    assert progress.verdicts() == [] and not progress.reset()
    check_inventory_item(inventory_solution())
    assert progress.reset() and not progress_path.exists()


def test_a_reset_that_cannot_remove_the_file_says_so(progress_path, capsys):
    progress_path.mkdir(parents=True)  # a folder: unlink fails
    assert progress.main(["--reset"]) == 1
    assert "could not be removed" in capsys.readouterr().out


def test_off_records_nothing(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("COURSE_PROGRESS", "off")
    assert progress.progress_file() is None
    check_inventory_item(inventory_solution())
    assert progress.verdicts() == []


def test_by_default_progress_lives_in_my_work(monkeypatch):
    monkeypatch.delenv("COURSE_PROGRESS")
    assert progress.progress_file() == course.MY_WORK / "progress.jsonl"


def test_tests_and_kernels_never_write_the_learners_file():
    assert course.offline_environment({})["COURSE_PROGRESS"] == "off"


def test_course_py_progress_shows_the_table_and_resets(progress_path, capsys):
    check_inventory_item(inventory_solution())
    env = {"COURSE_PROGRESS": str(progress_path), "PATH": "/usr/bin:/bin"}
    shown = subprocess.run([sys.executable, str(course.ROOT / "course.py"), "progress"], env=env,
                           capture_output=True, text=True, check=True).stdout
    assert "Part I · Foundations: 1 of " in shown and "progress --reset" in shown
    reset = subprocess.run([sys.executable, str(course.ROOT / "course.py"), "progress", "--reset"], env=env,
                           capture_output=True, text=True, check=True).stdout
    assert "Progress reset" in reset and not progress_path.exists()
