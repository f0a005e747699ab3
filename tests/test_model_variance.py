"""The model-variance harness in the suite: every course notebook, unchanged, through every wire (tools/variance.py).

The runs start when the first test here asks for them and go on in parallel kernels, so this module keeps both
cores busy while xdist's other worker runs the rest of the suite; each test then waits for its own run.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

import course
from course_helpers.server import OfflineServer
from tools.variance import WIRES, Wire, errors_in, run_notebook

NOTEBOOKS = course.course_notebooks()  # the syllabus: a learner's own notebooks are never run
FRAGILE = Path(__file__).parent / "fixtures" / "fragile_checks.ipynb"
_PARALLEL_KERNELS = max(2, os.cpu_count() or 1)


@pytest.fixture(scope="module")
def runs():
    """(notebook name, wire name) -> the future errors of that run; servers and pool stop with the module."""
    servers = {wire.name: OfflineServer(variant=wire.variant) for wire in WIRES}
    pool = ThreadPoolExecutor(_PARALLEL_KERNELS, thread_name_prefix="variance")
    futures: dict[tuple[str, str], Future] = {
        (path.name, wire.name): pool.submit(run_notebook, path, wire, servers[wire.name])
        for path in NOTEBOOKS
        for wire in WIRES
    }
    yield futures
    pool.shutdown(cancel_futures=True)
    for server in servers.values():
        server.close()


@pytest.mark.kernel
@pytest.mark.parametrize("wire", WIRES, ids=lambda wire: f"{wire.name}-{wire.variant}")
@pytest.mark.parametrize("notebook", [path.name for path in NOTEBOOKS])
def test_notebook_runs_on_every_wire_and_variant(runs, notebook: str, wire: Wire):
    errors = runs[notebook, wire.name].result()
    assert not errors, (
        f"{notebook} raised on the {wire.name} wire ({wire.variant} model variant); a check that holds on any "
        f"model names what happened, not the offline model's words (see docs/CONVENTIONS.md):\n" + "\n".join(errors)
    )


def test_every_wire_is_a_provider_a_learner_picks_and_every_variant_is_played():
    from course_helpers.providers import PROVIDERS
    from course_helpers.variants import VARIANTS

    assert {wire.provider for wire in WIRES} == {"openai", "openai-compatible", "litellm"} <= set(PROVIDERS)
    assert {wire.variant for wire in WIRES} == set(VARIANTS) - {"offline"}


@pytest.fixture(scope="module")
def fragile_errors():
    """The fixture notebook's error lines, offline and on each wire, by cell number."""
    results = {}
    for wire in (Wire("offline", "offline", "offline"), *WIRES):
        notebook = nbformat.read(FRAGILE, as_version=4)
        with OfflineServer(variant=wire.variant) as server:
            course.execute_notebook(notebook, FRAGILE.parent, allow_errors=True, env=wire.environment(server.base_url))
        results[wire.name] = {int(line.split()[1]) for line in errors_in(notebook)}
    return results


@pytest.mark.kernel
def test_the_harness_catches_checks_that_pin_the_offline_model(fragile_errors):
    exact_sentence, one_turn, why = 3, 4, 5  # cell numbers in fixtures/fragile_checks.ipynb
    assert fragile_errors == {
        "offline": set(),  # every check holds on the model it was written against...
        "responses": {why},  # ...the robust one (cell 2) holds everywhere, and each fragile one fails somewhere
        "chat": {exact_sentence, why},
        "litellm": {one_turn, why},
    }
