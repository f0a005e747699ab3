"""Colab: each notebook's badge opens it from the configured repository; its setup cell installs the course there."""

import json
import os
import re
import shutil
import subprocess
import sys
from urllib.parse import urlsplit

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

import course

NOTEBOOKS = course.course_notebooks()
BADGE_LINK = re.compile(
    r"\[!\[Open In Colab\]\(https://colab\.research\.google\.com/assets/colab-badge\.svg\)\]\((\S+)\)"
)

# Runs the setup cell as IPython would (its `!` lines call get_ipython().system) in a fresh Python, with a shell
# that records each command. With a secret it plays Colab: course_helpers is not importable, google.colab is
# imported, and the `git clone` stands in by copying the repository's src/, data/ and pyproject.toml.
_KERNEL = """
import json, os, shutil, sys, types
from pathlib import Path

root, code, secret = sys.argv[1], sys.argv[2], sys.argv[3]
if secret:  # in Colab: course_helpers is not installed, google.colab is imported and holds the secret
    sys.path[:] = [entry for entry in sys.path if Path(entry).resolve() != Path(root, "src")]
    try:
        import course_helpers
        sys.exit("course_helpers is importable before the setup cell ran; this test would prove nothing.")
    except ImportError:
        pass
    userdata = types.ModuleType("google.colab.userdata")
    userdata.get = {"GEMINI_API_KEY": secret}.get
    colab = types.ModuleType("google.colab")
    colab.userdata = userdata
    sys.modules.update({"google.colab": colab, "google.colab.userdata": userdata})

commands = []

class Shell:
    def system(self, command):
        commands.append(command)
        if command.startswith("git clone"):
            target = Path(command.split()[-1])
            for name in ("src", "data"):
                shutil.copytree(Path(root, name), target / name, ignore=shutil.ignore_patterns("__pycache__"))
            shutil.copy(Path(root, "pyproject.toml"), target)

namespace = {"get_ipython": Shell}
exec(code, namespace)
import course_helpers
from course_helpers.paths import data_dir
print(json.dumps({"commands": commands, "package": course_helpers.__file__, "data": str(data_dir())}))
"""


def _run_setup_cell(folder, *, colab_secret: str = "") -> tuple[list[str], dict]:
    """Run the setup cell (Colab folder moved to `folder`) in a fresh Python, as Colab with a secret or locally."""
    cell = course.setup_cell().replace(course._COLAB_FOLDER, str(folder))
    code = TransformerManager().transform_cell(cell)
    env = {name: value for name, value in os.environ.items() if name != "COURSE_PROVIDER"}
    done = subprocess.run(
        [sys.executable, "-c", _KERNEL, str(course.ROOT), code, colab_secret],
        capture_output=True, text=True, env=env, cwd=course.ROOT, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    *printed, report = done.stdout.splitlines()
    return printed, json.loads(report)


def test_config_names_a_github_repository_and_branch():
    config = course.course_config()
    assert re.fullmatch(r"[\w.-]+/[\w.-]+", config["repository"]) and config["branch"]


def test_a_missing_config_is_explained(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.course]\nrepository = "just-a-name"\n')
    monkeypatch.setattr(course, "ROOT", tmp_path)
    with pytest.raises(ValueError, match=r'\[tool.course\] with repository = "owner/name"'):
        course.course_config()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_badge_opens_this_notebook_from_the_configured_repository(path):
    title = nbformat.read(path, as_version=4).cells[0].source
    links = BADGE_LINK.findall(title)
    assert len(links) == 1, f"{path.name}: the title cell needs one Open in Colab badge; run `python3 course.py colab`."
    config = course.course_config()
    expected = f"/github/{config['repository']}/blob/{config['branch']}/notebooks/{path.name}"
    assert urlsplit(links[0]).path == expected, (
        f"{path.name}: the badge opens {links[0]}, not this notebook at {config['repository']}@{config['branch']}; "
        "run `python3 course.py colab`."
    )


def test_setup_cell_does_nothing_outside_colab(tmp_path):
    printed, report = _run_setup_cell(tmp_path / "course")
    assert report["commands"] == []
    assert printed == [line for line in printed if line.startswith("Model: offline course model")] and len(printed) == 1
    assert not (tmp_path / "course").exists()


def test_setup_cell_in_colab_clones_installs_and_imports_without_a_restart(tmp_path):
    folder = tmp_path / "course"
    config = course.course_config()
    secret = "test-secret-value-1234"
    printed, report = _run_setup_cell(folder, colab_secret=secret)
    assert report["commands"] == [
        f"git clone -q --depth 1 -b {config['branch']} https://github.com/{config['repository']} {folder}",
        f"pip install -q -e {folder}",
    ]
    # The running kernel imports the fetched copy, and data_dir() finds its data/ next to it.
    assert report["package"] == str(folder / "src" / "course_helpers" / "__init__.py")
    assert report["data"] == str(folder / "data")
    # Colab secrets are honoured: the key selects its provider and is never printed.
    assert len(printed) == 1 and "key from Colab secrets" in printed[0] and secret not in printed[0]


def test_setup_cell_in_colab_skips_the_install_once_the_course_is_there(tmp_path, monkeypatch):
    folder = tmp_path / "course"
    folder.mkdir()  # after a runtime restart the clone is there, and its editable install is on sys.path
    install_part = course.setup_cell().replace(course._COLAB_FOLDER, str(folder)).split("from course_helpers")[0]
    commands = []
    shell = type("Shell", (), {"system": staticmethod(commands.append)})()
    monkeypatch.setitem(sys.modules, "google.colab", type(sys)("google.colab"))
    exec(TransformerManager().transform_cell(install_part), {"get_ipython": lambda: shell})
    assert commands == []


def _copy_notebook(path, tmp_path):
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    return copy


def test_colab_command_rewrites_a_stale_badge_and_setup_cell_and_nothing_else(tmp_path):
    path = _copy_notebook(course.NOTEBOOKS / "01_dataclasses.ipynb", tmp_path)
    original = nbformat.read(path, as_version=4)
    stale = nbformat.read(path, as_version=4)
    stale.cells[0].source = stale.cells[0].source.replace("/github/", "/github/someone-else/old/../")
    stale.cells[1].source = "from course_helpers import setup\ncourse = setup()"
    nbformat.write(stale, path)

    assert course._write_colab_cells([str(path)]) == 0
    assert nbformat.read(path, as_version=4) == original
    before = path.read_bytes()
    assert course._write_colab_cells([str(path)]) == 0
    assert path.read_bytes() == before  # a second run changes nothing


def test_colab_command_adds_a_missing_badge_after_the_navigation_line(tmp_path):
    path = _copy_notebook(course.NOTEBOOKS / "00_start_here.ipynb", tmp_path)
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[0].source = BADGE_LINK.sub("", notebook.cells[0].source)
    nbformat.write(notebook, path)

    assert course._write_colab_cells([str(path)]) == 0
    title = nbformat.read(path, as_version=4).cells[0].source.splitlines()
    navigation = next(index for index, line in enumerate(title) if "[Contents](" in line)
    assert title[navigation + 2] == course.colab_badge(path.name)


def test_colab_command_refuses_a_notebook_without_a_setup_cell(tmp_path, capsys):
    path = tmp_path / "99_odd.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 99 · Odd")]), path)
    assert course._write_colab_cells([str(path)]) == 1
    assert "must be the title cell and the setup cell" in capsys.readouterr().out
