"""Fixtures for the tests: a clean course state for provider and tracing tests."""

import io
import os
import sys

import pytest
from agents.run import get_default_agent_runner, set_default_agent_runner
from agents.tracing import get_trace_provider, set_trace_processors

from course_helpers.tracing import LocalTraceCollector

# The offline environment, the network block and the choice of notebooks are the root conftest.py's, so they hold
# however pytest is started; fixture notebooks run only inside tests, and the kernel profile holds no tests.
collect_ignore = ["fixtures", "kernel_profile"]


# setup() changes process-wide SDK state: provider and tracing tests use fresh_course_state to start clean.
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
