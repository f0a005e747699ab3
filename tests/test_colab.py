"""Colab: each notebook's badge opens it from the configured repository; its setup cell installs the course there."""

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from urllib.parse import urlsplit

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

import course

NOTEBOOKS = course.course_notebooks()
BADGE_LINK = re.compile(
    r"\[!\[Open In Colab\]\(https://colab\.research\.google\.com/assets/colab-badge\.svg\)\]\((\S+)\)"
)

# Runs the setup cell as IPython would (its `!` lines call get_ipython().system, here a real shell that records each
# command) in a fresh Python. With a secret it plays Colab: course_helpers is not importable, google.colab is
# imported, and stand-ins on PATH play `git` (it copies the repository's files, or fails as with no network) and
# `python -m pip` (it records its arguments, or fails); FAKE_IMPORT=fail makes the SDK unimportable, as after an
# install that needs a restart. A failed cell reports what IPython would show instead of a traceback.
_KERNEL = """
import json, os, subprocess, sys, types
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
if os.environ.get("FAKE_IMPORT") == "fail":
    sys.modules["agents"] = None  # import agents raises ImportError

commands = []

class Shell:
    def system(self, command):
        commands.append(command)
        subprocess.run(command, shell=True)

try:
    exec(code, {"get_ipython": Shell})
except Exception as error:
    shown = error._render_traceback_() if hasattr(error, "_render_traceback_") else [f"{type(error).__name__}: {error}"]
    print(json.dumps({"commands": commands, "error": shown}))
    sys.exit(0)
import course_helpers
from course_helpers.paths import data_dir
print(json.dumps({"commands": commands, "package": course_helpers.__file__, "data": str(data_dir())}))
"""
_FAKE_GIT = """#!{python}
import os, shutil, sys
from pathlib import Path

if os.environ.get("FAKE_GIT") == "fail":
    sys.exit(print("fatal: unable to access 'https://github.com/x/': Could not resolve host: github.com",
                   file=sys.stderr) or 128)
target = Path(sys.argv[-1])
target.mkdir()  # git refuses a folder that exists and is not empty
for name in ("src", "data"):
    shutil.copytree(Path({root!r}, name), target / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
for name in ("course.py", "pyproject.toml"):
    shutil.copy(Path({root!r}, name), target)
"""
_FAKE_PIP = """import os, sys
with open(os.environ["FAKE_PIP_LOG"], "a") as log:
    print(" ".join(sys.argv[1:]), file=log)
if os.environ.get("FAKE_PIP") == "fail":
    sys.exit(print("ERROR: No matching distribution found for openai-agents==0.24.0", file=sys.stderr) or 1)
"""


@pytest.fixture
def colab(tmp_path):
    """Runs the setup cell as Colab would, with stand-ins for git and pip; `colab.pip` lists pip's calls."""
    bin_folder, pip_folder = tmp_path / "bin", tmp_path / "fake-pip" / "pip"
    bin_folder.mkdir()
    pip_folder.mkdir(parents=True)
    git = bin_folder / "git"
    git.write_text(_FAKE_GIT.format(python=sys.executable, root=str(course.ROOT)))
    git.chmod(0o755)
    (pip_folder / "__init__.py").write_text("")
    (pip_folder / "__main__.py").write_text(_FAKE_PIP)
    log = tmp_path / "pip.log"

    class Colab:
        folder = tmp_path / "course"
        marker = folder / course._COLAB_MARKER

        @staticmethod
        def run(**failures: str) -> tuple[list[str], dict]:
            env = {"PATH": f"{bin_folder}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(pip_folder.parent),
                   "FAKE_PIP_LOG": str(log), **{f"FAKE_{name.upper().rstrip('_')}": value for name, value in failures.items()}}
            return _run_setup_cell(Colab.folder, colab_secret="test-secret-value-1234", env=env)

        @staticmethod
        def pip() -> list[str]:
            return log.read_text().splitlines() if log.exists() else []

    return Colab


def _run_setup_cell(folder, *, colab_secret: str = "", env: dict | None = None) -> tuple[list[str], dict]:
    """Run the setup cell (Colab folder moved to `folder`) in a fresh Python, as Colab with a secret or locally."""
    cell = course.setup_cell().replace(course._COLAB_FOLDER, str(folder))
    code = TransformerManager().transform_cell(cell)
    environ = {name: value for name, value in os.environ.items() if name != "COURSE_PROVIDER"}
    done = subprocess.run(
        [sys.executable, "-c", _KERNEL, str(course.ROOT), code, colab_secret],
        capture_output=True, text=True, env={**environ, **(env or {})}, cwd=course.ROOT, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    *printed, report = done.stdout.splitlines()
    return printed, {**json.loads(report), "stderr": done.stderr}


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
    assert report["commands"] == [] and "error" not in report
    assert printed == [line for line in printed if line.startswith("Model: offline course model")] and len(printed) == 1
    assert not (tmp_path / "course").exists()


def test_setup_cell_in_colab_clones_installs_and_imports_without_a_restart(colab):
    config = course.course_config()
    printed, report = colab.run()
    assert report["commands"] == [
        f"rm -rf {colab.folder} && git clone -q --depth 1 -b {config['branch']} "
        f"https://github.com/{config['repository']} {colab.folder}"
    ]
    assert colab.pip() == [f"install -q --disable-pip-version-check -e {colab.folder}"]
    assert colab.marker.exists()
    # The running kernel imports the fetched copy, and data_dir() finds its data/ next to it.
    assert report["package"] == str(colab.folder / "src" / "course_helpers" / "__init__.py")
    assert report["data"] == str(colab.folder / "data")
    # Colab secrets are honoured: the key selects its provider and is never printed.
    assert printed[0].startswith("course: installing the course's packages")
    assert len(printed) == 2 and "key from Colab secrets" in printed[1] and "test-secret" not in printed[1]


def test_setup_cell_in_colab_skips_the_install_once_it_is_complete(colab, monkeypatch):
    colab.folder.mkdir()  # after a runtime restart the clone is there, and its editable install is on sys.path
    colab.marker.write_text("")
    install_part = course.setup_cell().replace(course._COLAB_FOLDER, str(colab.folder)).split("from course_helpers")[0]
    commands = []
    shell = type("Shell", (), {"system": staticmethod(commands.append)})()
    monkeypatch.setitem(sys.modules, "google.colab", type(sys)("google.colab"))
    exec(TransformerManager().transform_cell(install_part), {"get_ipython": lambda: shell})
    assert commands == []


def test_a_cut_short_install_is_removed_and_done_again(colab):
    (colab.folder / "src").mkdir(parents=True)  # a clone stopped half-way: no marker, and git would refuse the folder
    (colab.folder / "src" / "half.py").write_text("")
    printed, report = colab.run()
    assert "error" not in report, report
    assert colab.marker.exists() and not (colab.folder / "src" / "half.py").exists()
    assert len(colab.pip()) == 1 and "key from Colab secrets" in printed[-1]


def test_a_failed_clone_stops_with_one_sentence_and_nothing_else_runs(colab):
    _, report = colab.run(git="fail")
    assert report["error"] == [
        "RuntimeError: git could not download the course (its reason is above): check that this runtime is online, "
        "then run this cell again."
    ]
    assert "Could not resolve host" in report["stderr"]  # git's own reason, above the sentence
    assert colab.pip() == [] and not colab.folder.exists()
    printed, report = colab.run()  # back online: the re-run installs
    assert colab.marker.exists() and "key from Colab secrets" in printed[-1]


def test_a_failed_pip_install_stops_with_one_sentence_and_a_re_run_repairs_it(colab):
    _, report = colab.run(pip="fail")
    assert report["error"] == [
        "pip could not install the course's packages (its error is above): run this cell again, and if it fails the "
        "same way, choose Runtime > Disconnect and delete runtime, then run it once more."
    ]
    assert "No matching distribution found" in report["stderr"]  # pip's own error, above the sentence
    assert not colab.marker.exists()
    printed, report = colab.run()
    assert len(colab.pip()) == 2 and colab.marker.exists() and "key from Colab secrets" in printed[-1]


def test_an_install_this_session_cannot_import_asks_for_a_restart_in_one_sentence(colab):
    _, report = colab.run(import_="fail")
    [sentence] = report["error"]
    assert sentence.startswith("The course is installed, but this session cannot import it (")
    assert sentence.endswith("choose Runtime > Restart session, then run this cell again.")
    assert not colab.marker.exists()  # so the re-run after the restart checks again


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
    rewritten = nbformat.read(path, as_version=4)
    assert rewritten.cells == original.cells
    # ...and the stamp that says course.py wrote these cells, so the tests do not take them for a learner's run
    assert rewritten.metadata.pop("course") == {"cells_sha256": course._cells_digest(original)}
    assert rewritten == original
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


# --- LiteLLM is an extra: the setup cell leaves it out, notebook 05 installs it in Colab ----------------------------


def test_the_litellm_provider_without_litellm_says_how_to_install_it(fresh_course_state, monkeypatch):
    from course_helpers import CourseSetupError, setup
    from course_helpers.providers import LITELLM_MISSING

    monkeypatch.setitem(sys.modules, "litellm", None)  # import litellm raises ImportError, as when it is missing
    os.environ.update(COURSE_PROVIDER="litellm", COURSE_MODEL="anthropic/claude-test")
    with pytest.raises(CourseSetupError) as raised:
        setup()
    assert str(raised.value) == f"{LITELLM_MISSING}, or set COURSE_PROVIDER=offline to run offline."
    assert 'pip install -e ".[litellm]"' in str(raised.value)


def test_notebook_05_installs_the_extra_in_colab_and_says_how_without_it(monkeypatch):
    from course_helpers import CourseSetupError
    from course_helpers.providers import LITELLM_MISSING

    notebook = nbformat.read(course.NOTEBOOKS / "05_llm_apis_are_stateless.ipynb", as_version=4)
    cell = next(cell.source for cell in notebook.cells if "import_litellm()" in cell.source)
    code = TransformerManager().transform_cell(cell)
    commands = []
    shell = type("Shell", (), {"system": staticmethod(commands.append)})()
    monkeypatch.setitem(sys.modules, "litellm", None)
    monkeypatch.setitem(sys.modules, "google.colab", type(sys)("google.colab"))
    with pytest.raises(CourseSetupError) as raised:  # the install is recorded, not run, so LiteLLM is still missing
        exec(code, {"get_ipython": lambda: shell})
    assert commands == [f'pip install -q -e "{course._COLAB_FOLDER}[litellm]"']  # the folder the setup cell installed
    assert raised.value._render_traceback_()[0] == f"CourseSetupError: {LITELLM_MISSING}."
    assert "litellm" in tomllib.loads((course.ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
