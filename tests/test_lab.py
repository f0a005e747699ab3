"""`python3 course.py lab`: the learner's own folder, no news toast, kernels on local sockets."""

import json
import os

import pytest

import course


def test_lab_serves_the_repository_and_keeps_kernels_off_tcp():
    command = course.lab_command("python")
    assert command[:4] == ["python", "-m", "jupyter", "lab"]
    assert f"--ServerApp.root_dir={course.ROOT}" in command  # so my-work/ is in the file browser next to notebooks/
    if os.name == "nt":
        pytest.skip("Windows kernels have no local sockets")
    assert "--KernelManager.transport=ipc" in command  # no "running over TCP without encryption" line per kernel
    socket = next(arg for arg in command if arg.startswith("--KernelManager.ip=")).split("=", 1)[1]
    assert len(socket) < 80  # a socket path must stay short


def test_prepare_lab_makes_my_work_and_turns_off_the_news_toast(tmp_path, monkeypatch):
    monkeypatch.setattr(course, "MY_WORK", tmp_path / "my-work")
    overrides = tmp_path / "venv" / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    overrides.parent.mkdir(parents=True)
    overrides.write_text('{"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"}}')
    course.prepare_lab(tmp_path / "venv")
    course.prepare_lab(tmp_path / "venv")  # twice: nothing changes
    assert json.loads(overrides.read_text()) == {
        "@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
        "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    }
    assert "Git ignores this folder" in (tmp_path / "my-work" / "README.md").read_text()
    assert "my-work/" in (course.ROOT / ".gitignore").read_text().splitlines()
