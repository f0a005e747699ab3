"""Every notebook in notebooks/ follows the course's conventions; each failure names the cell and what to fix."""

import functools
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbval.plugin import get_sanitize_patterns

import course
from course import CourseNotebooksOnly

ROOT = course.ROOT
NOTEBOOK_DIR = course.ROOT / "notebooks"
NOTEBOOKS = course.course_notebooks()  # a learner's own notebooks are not the course's, and are not checked
CONTENTS_LINK = "[Contents](../README.md#syllabus)"
RERUN = "re-run it with `python3 course.py execute notebooks/{name}`"

SECRETS = {
    "an API key (sk-...)": re.compile(r"\bsk-[A-Za-z0-9_-]{20,}"),
    "a Google API key (AIza...)": re.compile(r"\bAIza[0-9A-Za-z_-]{35}"),
    "an api_key set to a literal value": re.compile(r"""(?i)api_key["'\]]*\s*[=:]\s*["'][\w-]{8,}["']"""),
    "a Bearer token": re.compile(r"\bBearer\s+[A-Za-z0-9._~+/-]{16,}"),
    "a GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36}"),
}
MACHINE_PATH = re.compile(r"(?<![\w.~:/-])/(?:work|root|tmp|Users)/|(?<![\w.~:/-])/home/[^/\s]+|\b[A-Za-z]:\\+Users\\")
MODEL_ID = re.compile(
    r"\b(?:chatgpt|gpt|gemini|claude|text-embedding)-[\w.-]+"  # gpt-4.1-mini, gemini-2.5-flash, claude-sonnet-4
    r"|(?<=[\"'/])o[134](?:-[\w.-]+)?(?=[\"'])"  # "o3", "o4-mini", "openai/o1" (only in strings: o1 may be a name)
)
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")


@functools.cache
def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _where(path: Path, index: int, cell) -> str:
    first_line = cell.source.strip().splitlines()[0][:60] if cell.source.strip() else "empty"
    return f"{path.name}, cell {index + 1} ({first_line!r})"


def _output_text(output) -> str:
    """The text of one output: streams, text-like data and errors with their tracebacks (images are skipped)."""
    if output.output_type == "stream":
        text = output.text
    elif output.output_type == "error":
        text = "\n".join([output.ename, output.evalue, *output.traceback])
    else:
        data = output.get("data", {})
        text = "\n".join(v if isinstance(v, str) else json.dumps(v) for k, v in data.items() if "image" not in k)
    return ANSI_ESCAPE.sub("", text)


def _texts(path: Path):
    """(where, what, text) for every cell's source and every output."""
    for index, cell in enumerate(_read(path).cells):
        yield _where(path, index, cell), "source", cell.source
        for output in cell.get("outputs", []):
            yield _where(path, index, cell), "output", _output_text(output)


def _number(path: Path) -> int:
    return int(path.name[:2])


def _param(path: Path):
    """A course notebook to check, or skipped with one sentence when the learner re-ran and saved it in Jupyter."""
    sentence = path.is_file() and course.learner_change(path)
    return pytest.param(path, marks=pytest.mark.skip(reason=sentence)) if sentence else path


each_notebook = pytest.mark.parametrize(
    "path",
    [_param(path) for path in NOTEBOOKS]
    or [pytest.param(None, marks=pytest.mark.skip(reason="README.md's syllabus lists no notebooks yet"))],
    ids=lambda path: path.name if path else "no-notebooks",
)


@each_notebook
def test_file_name_and_kernel(path):
    assert re.fullmatch(r"\d{2}_[a-z0-9_]+\.ipynb", path.name), f"{path.name}: name it NN_topic.ipynb (snake_case)."
    kernel = _read(path).metadata.get("kernelspec", {}).get("name")
    assert kernel == "python3", f"{path.name}: kernel is {kernel!r}; use the python3 kernel."


@each_notebook
def test_code_cells_ran_once_in_order(path):
    code = [(index, cell) for index, cell in enumerate(_read(path).cells) if cell.cell_type == "code"]
    for expected, (index, cell) in enumerate(code, start=1):
        count = cell.execution_count
        state = "was never run" if count is None else f"has execution count {count}, expected {expected}"
        assert count == expected, f"{_where(path, index, cell)} {state}; {RERUN.format(name=path.name)}."


@each_notebook
def test_no_unexpected_errors(path):
    for index, cell in enumerate(_read(path).cells):
        if "raises-exception" in cell.metadata.get("tags", []):
            continue
        for output in cell.get("outputs", []):
            assert output.output_type != "error", (
                f"{_where(path, index, cell)} raised {output.ename}: {output.evalue[:200]}. Fix it, catch the error "
                "and print it, or tag the cell raises-exception if the error is the lesson."
            )


@each_notebook
def test_no_secrets(path):
    for where, what, text in _texts(path):
        for kind, pattern in SECRETS.items():
            match = pattern.search(text)
            assert not match, (
                f"{where}: its {what} contains {kind} ({match.group()[:12]}...). Remove it (and revoke it if real); "
                "setup() reads keys from the environment."
            )


@each_notebook
def test_no_machine_paths(path):
    for where, what, text in _texts(path):
        match = MACHINE_PATH.search(text)
        assert not match, (
            f"{where}: its {what} shows the machine path {match.group()!r}. Use paths relative to the notebook, "
            "and print names rather than full paths (or catch errors whose tracebacks show library paths)."
        )


@each_notebook
def test_no_model_ids_in_code(path):
    for index, cell in enumerate(_read(path).cells):
        match = MODEL_ID.search(cell.source) if cell.cell_type == "code" else None
        assert not match, (
            f"{_where(path, index, cell)} names the model {match.group()!r}. Notebooks take their model from "
            "setup(); model ids live in course_helpers."
        )


@each_notebook
def test_title_cell(path):
    cell = _read(path).cells[0]
    where = _where(path, 0, cell)
    assert cell.cell_type == "markdown", f"{where} must be the markdown title cell."
    number = f"{_number(path):02d}"
    assert re.match(rf"# {number} · \S", cell.source), f"{where} must start with the title '# {number} · Title'."
    assert CONTENTS_LINK in cell.source, f"{where} needs the navigation line with {CONTENTS_LINK}."
    if _number(path) > 0:
        assert f"]({_number(path) - 1:02d}_" in cell.source, f"{where}: link the previous notebook in navigation."
    if _number(path) < max(map(_number, NOTEBOOKS)):
        assert f"]({_number(path) + 1:02d}_" in cell.source, f"{where}: link the next notebook in navigation."
    assert "You will learn" in cell.source, f"{where} needs a **You will learn** list."


@each_notebook
def test_setup_cell(path):
    cell = _read(path).cells[1]
    assert cell.cell_type == "code" and cell.source.strip() == course.setup_cell(), (
        f"{_where(path, 1, cell)} must be the setup cell, exactly as `python3 course.py colab` writes it:\n"
        f"{course.setup_cell()}"
    )
    printed = [output.get("text", "") for output in cell.outputs]
    assert len(printed) == 1 and printed[0].startswith("Model: ") and printed[0].count("\n") == 1, (
        f"{_where(path, 1, cell)} must print one line, the model it chose; {RERUN.format(name=path.name)}."
    )


@each_notebook
def test_last_cell(path):
    index = len(_read(path).cells) - 1
    cell = _read(path).cells[index]
    for part in ("## Recap", "## Questions", CONTENTS_LINK):
        assert cell.cell_type == "markdown" and part in cell.source, (
            f"{_where(path, index, cell)}: the last cell is markdown with ## Recap, ## Questions and the navigation "
            f"line; {part!r} is missing."
        )


@each_notebook
def test_relative_links_resolve(path):
    for index, cell in enumerate(_read(path).cells):
        if cell.cell_type != "markdown":
            continue
        for target in MARKDOWN_LINK.findall(cell.source):
            if re.match(r"[a-z]+:|#", target):
                continue  # web links and in-page anchors
            file, _, anchor = target.partition("#")
            resolved = (NOTEBOOK_DIR / file).resolve()
            assert resolved.exists(), f"{_where(path, index, cell)} links to {target}, which does not exist."
            if anchor and resolved.suffix == ".md":
                headings = {
                    re.sub(r"[^\w -]", "", line.lstrip("#").strip()).lower().replace(" ", "-")
                    for line in resolved.read_text().splitlines()
                    if line.startswith("#")
                }
                assert anchor in headings, f"{_where(path, index, cell)} links to {target}: no such heading."


def _sanitize(text: str) -> str:
    """Apply tests/nbval_sanitize.cfg as nbval does: every pattern, in file order."""
    for regex, replace in get_sanitize_patterns(course.SANITIZERS.read_text()):
        text = re.sub(regex, replace, text)
    return text


@pytest.mark.parametrize(
    ("raw", "sanitized"),
    [
        ("<function get_weather at 0x7f3b2c1d9e80>", "<function get_weather at 0xADDRESS>"),
        ("id 3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60", "id UUID"),
        ("resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b", "resp_ID"),
        ("call_JuN8E1bLzLbYnNo6HPKnaEan msg_67ccd2bf17f0819081ff3bb2cf6508e6", "call_ID msg_ID"),
        ("chatcmpl-AbC123dEf456GhI789jKl0", "chatcmpl-ID"),
        ("trace_0123456789abcdef0123456789abcdef", "trace_ID"),
        ("span_0123456789abcdef01234567 group_0123456789abcdef01234567", "span_ID group_ID"),
        ("at 2026-11-25T10:15:28.123456+00:00", "at TIMESTAMP"),
        ("at 2026-11-25 10:15:28Z", "at TIMESTAMP"),
        ("took 12.3 ms, then 850us", "took DURATION, then DURATION"),
        ("0.42 s, 1.2s, 3.05 seconds", "DURATION, DURATION, DURATION"),
        ("http://127.0.0.1:53412/v1 localhost:8000 [::1]:8000", "http://127.0.0.1:PORT/v1 localhost:PORT [::1]:PORT"),
        ("/tmp/tmpab12_x9z/notes.txt", "TMPDIR/notes.txt"),
        ("/var/folders/x1/abc_123/T/tmpab12_x9z", "TMPDIR"),
        (r"C:\Users\ada\AppData\Local\Temp\tmpab12_x9z", "TMPDIR"),
    ],
)
def test_sanitizers_hide_volatile_values(raw, sanitized):
    assert _sanitize(raw) == sanitized


@pytest.mark.parametrize(
    "stable",
    [
        "flags = 0xFF",
        "call_1 then call_2",
        "trace_123",
        "due 2026-11-25",
        "a 5s timeout, in the 1990s, 3 msgs, 2 seconds",
        "/tmp/notes.txt",
        "port 8000",
    ],
)
def test_sanitizers_keep_stable_values(stable):
    assert _sanitize(stable) == stable


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (MACHINE_PATH, "File /work/main/.venv/lib/python3.11/site-packages/agents/run.py:12"),
        (MACHINE_PATH, "saved to /root/.cache/notes"),
        (MACHINE_PATH, "'/home/ada/course'"),
        (MACHINE_PATH, "/tmp/tmpab12_x9z"),
        (MACHINE_PATH, "/Users/ada/course"),
        (MACHINE_PATH, r"C:\Users\ada\course"),
        (MODEL_ID, 'Agent(name="a", model="gpt-4.1-mini")'),
        (MODEL_ID, "model='o3'"),
        (MODEL_ID, '"openai/o4-mini"'),
        (MODEL_ID, '"litellm/gemini/gemini-2.5-flash"'),
        (MODEL_ID, '"claude-sonnet-4"'),
        (SECRETS["an API key (sk-...)"], "sk-proj-" + "a1B2" * 8),
        (SECRETS["a Google API key (AIza...)"], "AIza" + "x" * 35),
        (SECRETS["an api_key set to a literal value"], 'OpenAI(api_key="abcd1234efgh")'),
        (SECRETS["an api_key set to a literal value"], 'os.environ["OPENAI_API_KEY"] = "abcd1234efgh"'),
        (SECRETS["a Bearer token"], "Authorization: Bearer abcdefghijklmnop1234"),
    ],
)
def test_checks_find_what_they_look_for(pattern, text):
    assert pattern.search(text)


@pytest.mark.parametrize(
    "text",
    [
        "https://example.com/home/page and https://example.com/tmp/x",
        "notebooks/01_dataclasses.ipynb, data/tmp/x, ~/tmp/x",
        "o1 = 1; course.model; print(agent.model)",
        'api_key=os.environ["OPENAI_API_KEY"]',
        'set OPENAI_API_KEY="..." or sk-...',
    ],
)
def test_checks_leave_ordinary_text_alone(text):
    patterns = [MACHINE_PATH, MODEL_ID, *SECRETS.values()]
    assert not [pattern.pattern for pattern in patterns if pattern.search(text)]


def test_every_notebook_named_like_the_course_is_in_the_syllabus():
    unlisted = [path.name for path in sorted(NOTEBOOK_DIR.glob("*.ipynb"))
                if re.fullmatch(r"\d{2}_[a-z0-9_]+\.ipynb", path.name) and path not in NOTEBOOKS]
    assert not unlisted, (
        f"notebooks/{unlisted[0]} is named like a course notebook but README.md's syllabus does not list it: add a "
        "row `| NN | [Title](notebooks/NN_x.ipynb) | what it teaches |`, or, if it is your own, move it to my-work/."
    )


@pytest.fixture
def learner_tree(tmp_path, monkeypatch):
    """A committed copy of the course with two notebooks, as a learner clones it; course.py pointed at it."""
    (tmp_path / "notebooks").mkdir()
    rows = []
    for path in NOTEBOOKS[:2]:
        shutil.copy(path, tmp_path / "notebooks" / path.name)
        rows.append(f"| {path.name[:2]} | [A title](notebooks/{path.name}) | what it teaches |")
    (tmp_path / "README.md").write_text("## Syllabus\n\n| # | Notebook | |\n| --- | --- | --- |\n" + "\n".join(rows) + "\n")
    git = ["git", "-c", "user.name=Learner", "-c", "user.email=learner@example.com"]
    for command in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "the course"]):
        subprocess.run([*git, *command], cwd=tmp_path, check=True, capture_output=True)
    monkeypatch.setattr(course, "ROOT", tmp_path)
    monkeypatch.setattr(course, "NOTEBOOKS", tmp_path / "notebooks")
    return tmp_path


def _rerun_one_cell(path: Path) -> None:
    """What re-running a cell and saving in JupyterLab leaves: that cell's execution count is past the last one."""
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    code[1].execution_count = len(code) + 4
    code[1].outputs = []
    nbformat.write(notebook, path)


def test_a_learners_notebook_is_not_the_courses(learner_tree):
    untitled = learner_tree / "notebooks" / "Untitled.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1", execution_count=7)]), untitled)
    only = CourseNotebooksOnly()
    first, second = course.course_notebooks()
    assert [first.name, second.name] == [path.name for path in NOTEBOOKS[:2]]
    assert only.pytest_ignore_collect(untitled, None) is True
    assert only.pytest_ignore_collect(first, None) is None  # the course's own notebooks are tested as ever


def test_a_rerun_course_notebook_is_skipped_with_one_sentence_on_restoring_it(learner_tree):
    first, second = course.course_notebooks()
    assert course.learner_change(first) is None
    _rerun_one_cell(first)
    sentence = course.learner_change(first)
    assert sentence == (
        f"notebooks/{first.name} holds your own run, so its stored outputs are not the course's: to keep your work "
        f"save a copy in my-work/ (File > Save Notebook As), and `git checkout notebooks/{first.name}` restores the "
        "course's version."
    )
    assert CourseNotebooksOnly().pytest_ignore_collect(first, None) is True
    assert _param(first).marks[0].kwargs["reason"] == sentence and _param(second) == second
    subprocess.run(["git", "checkout", "-q", "--", f"notebooks/{first.name}"], cwd=learner_tree, check=True)
    assert course.learner_change(first) is None  # the sentence's command works


def test_a_rerun_notebook_that_was_committed_is_a_maintainers_slip_and_still_tested(learner_tree):
    first = course.course_notebooks()[0]
    _rerun_one_cell(first)
    subprocess.run(["git", "-c", "user.name=M", "-c", "user.email=m@example.com", "commit", "-qam", "oops"],
                   cwd=learner_tree, check=True)
    assert course.learner_change(first) is None
    assert _param(first) == first  # so test_code_cells_ran_once_in_order names the cell and `execute`


def _collected(tree: Path, *paths: str) -> tuple[set[str], str]:
    """The files a real `pytest --nbval` run collects in `tree` for `paths`, and what it printed."""
    done = subprocess.run([sys.executable, "-m", "pytest", "--nbval", "--collect-only", "-q", "-p", "no:cacheprovider",
                           *paths], cwd=tree, capture_output=True, text=True, timeout=120)
    return {line.split("::")[0] for line in done.stdout.splitlines() if "::" in line}, done.stdout


def test_only_course_notebooks_are_collected_however_the_paths_are_given(learner_tree):
    for name in ("course.py", "conftest.py", "pyproject.toml"):
        shutil.copy(ROOT / name, learner_tree / name)
    shutil.copytree(ROOT / "tests" / "kernel_profile", learner_tree / "tests" / "kernel_profile")
    (learner_tree / "notebooks" / "my-work").mkdir()
    (learner_tree / "my-work").mkdir()
    learner = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1", execution_count=1)])
    for path in ("notebooks/Untitled.ipynb", "notebooks/my-work/x.ipynb", "my-work/y.ipynb"):
        nbformat.write(learner, learner_tree / path)
    first, second = (f"notebooks/{path.name}" for path in course.course_notebooks())

    for paths in (["notebooks/"], ["notebooks"], ["."], ["notebooks/my-work", "notebooks/../notebooks/"]):
        assert _collected(learner_tree, *paths)[0] == {first, second}, paths
    collected, printed = _collected(learner_tree, "notebooks/Untitled.ipynb", "my-work/y.ipynb", first)
    assert collected == {first}  # named on the command line, a learner's notebook is still left out, with why
    assert ("course: not tested: notebooks/Untitled.ipynb is not one of the course's notebooks (README.md's syllabus "
            "lists those), so it is yours.") in printed


def _run_top_to_bottom(path: Path) -> None:
    """What a learner's run of every cell in order, saved, leaves: counts 1..n as `execute` writes, other outputs."""
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    code[-1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="my own answer\n")]
    nbformat.write(notebook, path)


def test_a_learners_run_top_to_bottom_is_skipped_too(learner_tree):
    first = course.course_notebooks()[0]
    _run_top_to_bottom(first)
    assert course.learner_change(first).startswith(f"notebooks/{first.name} holds your own run")
    assert CourseNotebooksOnly().pytest_ignore_collect(first, None) is True


def test_a_markdown_edit_leaves_the_notebook_tested(learner_tree):
    first = course.course_notebooks()[0]
    notebook = nbformat.read(first, as_version=4)
    notebook.cells[0].source += "\n\nA maintainer's new sentence."  # outputs are still the course's
    nbformat.write(notebook, first)
    assert course.learner_change(first) is None


@pytest.mark.kernel
def test_a_maintainers_fresh_execute_is_tested_before_it_is_committed(learner_tree):
    second = course.course_notebooks()[1]
    notebook = nbformat.read(second, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    code[-1].source += "\nprint('one more line')"  # a maintainer's edit: stale until executed
    nbformat.write(notebook, second)
    assert course.learner_change(second) is not None
    assert course._execute_in_place([str(second)]) == 0
    assert course.learner_change(second) is None  # uncommitted, yet course.py's own run: tested
    _run_top_to_bottom(second)  # ...until a learner runs it again and saves
    assert course.learner_change(second) is not None


def test_the_colab_rewrite_keeps_a_course_notebook_tested(learner_tree):
    shutil.copy(ROOT / "pyproject.toml", learner_tree)  # [tool.course] names the repository
    second = course.course_notebooks()[1]
    notebook = nbformat.read(second, as_version=4)
    notebook.cells[1].source = "from course_helpers import setup\ncourse = setup()"
    nbformat.write(notebook, second)
    subprocess.run(["git", "-c", "user.name=M", "-c", "user.email=m@example.com", "commit", "-qam", "old cell"],
                   cwd=learner_tree, check=True)
    assert course._write_colab_cells([str(second)]) == 0
    assert nbformat.read(second, as_version=4).cells[1].source == course.setup_cell()
    assert course.learner_change(second) is None


def test_a_new_course_notebook_that_was_not_executed_says_to_execute_it(learner_tree):
    second = course.course_notebooks()[1]
    subprocess.run(["git", "rm", "-q", "--cached", f"notebooks/{second.name}"], cwd=learner_tree, check=True)
    subprocess.run(["git", "-c", "user.name=M", "-c", "user.email=m@example.com", "commit", "-qm", "not yet"],
                   cwd=learner_tree, check=True)
    _rerun_one_cell(second)
    assert course.learner_change(second) == (
        f"notebooks/{second.name} is new and its outputs are not the ones `python3 course.py execute "
        f"notebooks/{second.name}` stores: run that."
    )
