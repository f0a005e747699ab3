"""Test set-up: the offline, key-free environment of course.py, and no network except loopback, here and in kernels."""

import io
import os
import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # so tests can `import course`

import course  # noqa: E402

# The same environment `python3 course.py test` gives, for runs of plain pytest; notebook kernels inherit it,
# and IPYTHONDIR makes each of them run tests/kernel_profile/profile_default/startup/00-block-network.py.
_offline = course.offline_environment(os.environ)
for _name in set(os.environ) - set(_offline):
    del os.environ[_name]
os.environ.update(_offline)

# Tests themselves get the same network block as the kernels.
runpy.run_path(str(course.KERNEL_PROFILE / "profile_default" / "startup" / "00-block-network.py"))


# Fixture notebooks run only inside tests; the kernel profile holds no tests.
collect_ignore = ["fixtures", "kernel_profile"]


class CourseNotebooksOnly:
    """nbval runs only the course's notebooks (the README's syllabus): a learner's own notebook is never collected,
    and a course notebook the learner re-ran and saved in Jupyter is left out with one sentence on restoring it."""

    def pytest_ignore_collect(self, collection_path, config):
        if collection_path.suffix != ".ipynb" or collection_path.parent != course.NOTEBOOKS:
            return None
        if collection_path not in course.course_notebooks() or course.learner_change(collection_path):
            return True
        return None

    def pytest_terminal_summary(self, terminalreporter):
        for path in course.course_notebooks():
            if path.is_file() and (sentence := course.learner_change(path)):
                terminalreporter.write_line(f"course: not tested: {sentence}")


def pytest_configure(config):
    # A plugin object's hooks apply everywhere, also to notebooks/, which this conftest's own hooks would not reach.
    config.pluginmanager.register(CourseNotebooksOnly(), "course-notebooks-only")


# setup() changes process-wide SDK state; provider and tracing tests use this fixture to start clean and restore it.
import pytest  # noqa: E402
from agents.run import get_default_agent_runner, set_default_agent_runner  # noqa: E402
from agents.tracing import get_trace_provider, set_trace_processors  # noqa: E402

from course_helpers.tracing import LocalTraceCollector  # noqa: E402

SECRET = "sk-test-SECRET123"
COURSE_VARIABLES = ("OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "COURSE_PROVIDER", "COURSE_MODEL",
                    "COURSE_BASE_URL", "COURSE_API_KEY", "OPENAI_DEFAULT_MODEL", "ANTHROPIC_API_KEY")


class OpenAIExport:
    """Stands in for the SDK's OpenAI trace exporter, so no test ever exports a trace over the network."""

    def __init__(self):
        self.processor = LocalTraceCollector()
        self.api_keys = []


@pytest.fixture
def fresh_course_state(monkeypatch):
    """No keys or course settings, no Colab, no stdin; the SDK's runner, processors and env restored after."""
    environ, runner, saved_processors = dict(os.environ), get_default_agent_runner(), processors()
    for name in COURSE_VARIABLES:
        os.environ.pop(name, None)
    for module in ("google.colab", "google.colab.userdata"):
        monkeypatch.delitem(sys.modules, module, raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    export = OpenAIExport()
    monkeypatch.setattr("agents.tracing.processors.default_processor", lambda: export.processor)
    monkeypatch.setattr("course_helpers.providers.set_tracing_export_api_key", export.api_keys.append)
    yield export
    set_default_agent_runner(runner)
    set_trace_processors(list(saved_processors))
    os.environ.clear()
    os.environ.update(environ)


def processors() -> tuple:
    """The SDK's current trace processors (read from its private list: there is no public getter)."""
    return get_trace_provider()._multi_processor._processors
