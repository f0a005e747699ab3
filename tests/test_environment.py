"""pyproject.toml, environment.yml, requirements-lock.txt, .venv, .ci/run and the README agree; course.py's rules."""

import os
import re
import stat
import subprocess
import sys
import tomllib
from importlib import metadata

import pytest

import course

ROOT = course.ROOT


def _name(requirement: str) -> str:
    """A package name normalised as pip compares them: lower case, runs of -_. as one -."""
    return re.sub(r"[-_.]+", "-", requirement.lower())


def _exact_pins(lines) -> dict[str, str]:
    pins = (re.fullmatch(r"\s*-?\s*([A-Za-z0-9][\w.-]*)\s*==\s*([^\s;#]+)\s*", line) for line in lines)
    return {_name(match[1]): match[2] for match in pins if match}


def _project_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return _exact_pins([*project["dependencies"], *project["optional-dependencies"]["dev"]])


def _lock_pins() -> dict[str, str]:
    return _exact_pins(course.LOCK.read_text().splitlines())


def test_pyproject_pins_every_dependency_exactly():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    loose = [r for r in [*project["dependencies"], *project["optional-dependencies"]["dev"]] if "==" not in r]
    assert not loose, f"pyproject.toml: pin these exactly (name==version): {loose}"


def test_environment_yml_has_the_same_pins():
    text = (ROOT / "environment.yml").read_text()
    yml = _exact_pins(text.splitlines())
    differing = {name: (pin, yml.get(name)) for name, pin in _project_pins().items() if yml.get(name) != pin}
    assert not differing, f"environment.yml must pin what pyproject.toml pins; (pyproject, yml): {differing}"
    assert re.search(r"^\s*- python=3\.11\s*$", text, re.M), "environment.yml: pin python=3.11 (requires-python)."
    assert re.search(r"^\s*- -e \.\[dev\]\s*$", text, re.M), "environment.yml: install the package with -e .[dev]."


def test_lock_has_the_same_pins():
    lock = _lock_pins()
    differing = {name: (pin, lock.get(name)) for name, pin in _project_pins().items() if lock.get(name) != pin}
    assert not differing, f"requirements-lock.txt disagrees with pyproject.toml; (pyproject, lock): {differing}"
    assert course.LOCK.read_text().splitlines()[0] == course.LOCK_HEADER


def test_installed_packages_match_the_lock():
    lock = _lock_pins()
    installed = {_name(dist.metadata["Name"]): dist.version for dist in metadata.distributions()}
    # pip leaves itself and setuptools out of the lock, and the course's own package is installed editable.
    unlocked = sorted(set(installed) - set(lock) - {"pip", "setuptools", "wheel", "course-helpers"})
    assert not unlocked, (
        f"installed but not in requirements-lock.txt: {unlocked}. If the course needs them, pin them in pyproject.toml "
        "and run `python3 course.py lock`; otherwise uninstall them."
    )
    # A package the lock names but this platform does not need (say, pexpect on Windows) may be missing.
    differing = {name: (pin, installed[name]) for name, pin in lock.items() if installed.get(name, pin) != pin}
    assert not differing, f"installed versions differ from the lock; (lock, installed): {differing}"


def _readme_test_command() -> str:
    commands = re.findall(r"^(python3 course\.py test)\s*$", (ROOT / "README.md").read_text(), re.M)
    assert commands, "README.md must show the test command `python3 course.py test` on a line of its own."
    return commands[0]


def test_ci_runs_the_readme_test_command():
    script = ROOT / ".ci" / "run"
    assert script.stat().st_mode & stat.S_IXUSR, ".ci/run must be executable (chmod +x .ci/run)."
    lines = [line.strip() for line in script.read_text().splitlines()]
    commands = [line for line in lines if line and not line.startswith(("#", "set ", "cd "))]
    assert "set -euo pipefail" in lines, ".ci/run must start with set -euo pipefail."
    assert commands[-1:] == [_readme_test_command()] and commands.count(commands[-1]) == 1, (
        f".ci/run must end by running exactly the README's test command, once; it runs {commands}."
    )
    # Before it, only the Chromium install that tests/test_browser.py needs.
    setup = "\n".join(commands[:-1])
    assert not setup or "apt-get install" in setup and "chromium chromium-driver" in setup, (
        f".ci/run may only install Chromium before the test command, not {commands[:-1]}."
    )


def test_offline_environment_removes_provider_settings_and_keeps_the_rest():
    developer = {
        "PATH": "/usr/bin",
        "HOME": "/home/ada",
        "OPENAI_API_KEY": "sk-real",
        "OPENAI_BASE_URL": "https://example.com",
        "GEMINI_API_KEY": "g",
        "GOOGLE_API_KEY": "g",
        "ANTHROPIC_API_KEY": "a",
        "MISTRAL_API_KEY": "m",
        "COURSE_PROVIDER": "openai",
        "COURSE_MODEL": "m",
        "COURSE_BASE_URL": "http://localhost:11434/v1",
        "COURSE_API_KEY": "k",
        "course_model": "lower-case names count too",
    }
    env = course.offline_environment(developer)
    assert env == {"PATH": "/usr/bin", "HOME": "/home/ada", **course.OFFLINE_SETTINGS}
    assert env["COURSE_PROVIDER"] == "offline"


def test_this_test_run_is_offline():
    assert os.environ["COURSE_PROVIDER"] == "offline"
    assert not [name for name in os.environ if name.upper().endswith("_API_KEY")]
    assert os.environ["IPYTHONDIR"] == str(course.KERNEL_PROFILE)


def test_no_tests_collected_is_a_failure_with_a_clear_message(capfd):
    code = course.run_tests(sys.executable, ["tests/test_environment.py", "-k", "no_test_has_this_name", "-n", "0"])
    assert code == 5
    assert "course: pytest found no tests to run; check the paths" in capfd.readouterr().out


@pytest.mark.parametrize(("args", "code", "says"), [([], 2, "usage:"), (["nope"], 2, "unknown command 'nope'")])
def test_course_py_explains_its_usage(args, code, says):
    done = subprocess.run([sys.executable, str(ROOT / "course.py"), *args], capture_output=True, text=True)
    assert done.returncode == code
    assert says in done.stdout + done.stderr
