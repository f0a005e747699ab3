"""In headless Chromium: JupyterLab runs 00_start_here.ipynb, and the rendered site's navigation works.

Needs Chromium and chromedriver (Debian: apt-get install chromium chromium-driver; .ci/run installs them). Without
them the tests are skipped with that reason, except under CI, where they fail. Screenshots go to build/screenshots/.
"""

import functools
import http.server
import os
import secrets
import shutil
import subprocess
import sys
import threading

import nbformat
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

import course
from course_helpers.mcp_servers.launch import free_port
from tools import site

SCREENSHOTS = course.BUILD / "screenshots"
WAIT_SECONDS = 90  # generous for a busy 2-core machine; every wait ends as soon as its condition holds
# No first-run pages, no background calls to Google's services (the network is closed), a sandbox-free root.
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
    "--disable-background-networking", "--disable-component-update", "--window-size=1280,900",
]
_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_MISSING = "no Chromium with chromedriver on PATH; on Debian or Ubuntu: apt-get install chromium chromium-driver"


def _chromium() -> tuple[str, str] | None:
    """(browser, driver) executables, or None."""
    browser = next(filter(None, map(shutil.which, _BROWSERS)), None)
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


pytestmark = pytest.mark.skipif(_chromium() is None and not os.environ.get("CI"), reason=_MISSING)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if _chromium() is None:
        pytest.fail(f"CI must run the browser tests, but there is {_MISSING} (.ci/run installs them).")
    browser_path, driver_path = _chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = browser_path
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


@pytest.fixture
def jupyter_lab(tmp_path):
    """JupyterLab on 127.0.0.1, offline like the tests, serving a copy of 00 without outputs; (url, folder)."""
    notebooks, settings = tmp_path / "notebooks", tmp_path / "settings" / "@jupyterlab" / "apputils-extension"
    notebooks.mkdir()
    settings.mkdir(parents=True)
    notebook = nbformat.read(course.NOTEBOOKS / "00_start_here.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None  # so every output on the page comes from this run
    nbformat.write(notebook, notebooks / "00_start_here.ipynb")
    # No "get Jupyter news?" pop-up over the notebook, and no update check over the closed network.
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    port, token = free_port(), secrets.token_hex(16)
    env = course.offline_environment(os.environ)
    env.update(
        COURSE_PROGRESS=str(tmp_path / "my-work" / "progress.jsonl"),  # the learner's progress file, here a temporary one
        JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
    )
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={notebooks}",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: the walk below adds and runs cells with its commands
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    server = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    log, ready = [], threading.Event()

    def read_log():  # keeps draining stderr, or the server would block once the pipe is full
        for line in server.stderr:
            log.append(line)
            if "is running at" in line:
                ready.set()
        ready.set()  # the server exited

    threading.Thread(target=read_log, daemon=True).start()
    try:
        assert ready.wait(WAIT_SECONDS) and server.poll() is None, "JupyterLab did not start:\n" + "".join(log)
        yield f"http://127.0.0.1:{port}/lab/tree/00_start_here.ipynb?token={token}", notebooks
    finally:
        server.terminate()  # Jupyter shuts its kernels down on SIGTERM
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# [prompt, output text] of every code cell (textContent also reads cells scrolled out of view).
_OUTPUTS = """return [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')].map(
    cell => [cell.querySelector('.jp-InputPrompt').textContent, cell.querySelector('.jp-OutputArea').textContent])"""


def test_jupyterlab_runs_the_first_notebook(browser, jupyter_lab):
    url, folder = jupyter_lab
    committed = (course.NOTEBOOKS / "00_start_here.ipynb").read_bytes()
    wait = WebDriverWait(browser, WAIT_SECONDS)
    browser.get(url)
    status = (By.ID, "jp-main-statusbar")
    wait.until(expected_conditions.text_to_be_present_in_element(status, "Idle"))  # the kernel is ready

    browser.find_element(By.XPATH, "//div[contains(@class, 'lm-MenuBar-itemLabel') and text()='Run']").click()
    browser.find_element(By.CSS_SELECTOR, "li.lm-Menu-item[data-command='runmenu:run-all']").click()
    wait.until(lambda driver: "Part I · Foundations" in driver.execute_script(_OUTPUTS)[-1][1])  # the last cell

    cells = browser.execute_script(_OUTPUTS)
    assert [prompt for prompt, _ in cells] == [f"[{n}]:" for n in range(1, len(cells) + 1)]  # each ran, in order
    outputs = [output for _, output in cells]
    assert outputs[0].startswith("Model: offline course model (deterministic, no network, no key).")
    assert any("The weather in Tokyo is sunny and 21°C." in output for output in outputs)
    assert not [output for output in outputs if "Traceback" in output or "Error" in output]
    assert any(output.startswith("✏️ Not attempted yet") for output in outputs)  # the exercise, still blank
    code_cells = browser.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-CodeCell")
    for name, cell in [("setup", code_cells[0]), ("end", code_cells[-1])]:
        browser.execute_script("arguments[0].scrollIntoView()", cell)
        browser.save_screenshot(SCREENSHOTS / f"jupyterlab_00_start_here_{name}.png")
    assert (course.NOTEBOOKS / "00_start_here.ipynb").read_bytes() == committed


# Through JupyterLab's own commands (as its menus run them): put `source` in cell `index`, or in a new cell below it
# when `new` is true, and run it; returns the index of the cell that ran.
_RUN_CELL = """const [index, source, isNew, done] = arguments;
const notebook = window.jupyterapp.shell.currentWidget.content;
notebook.activeCellIndex = index;
(async () => {
  if (isNew) { await window.jupyterapp.commands.execute('notebook:insert-cell-below'); }
  notebook.activeCell.model.sharedModel.setSource(source);
  const ran = notebook.activeCellIndex;
  await window.jupyterapp.commands.execute('notebook:run-cell');
  done(ran);
})();"""
# Every cell's source, output text and execution count (null for markdown), in notebook order.
_CELLS = """return window.jupyterapp.shell.currentWidget.content.widgets.map(cell => [cell.model.sharedModel.getSource(),
    cell.model.type === 'code' ? cell.node.querySelector('.jp-OutputArea').textContent : '',
    cell.model.type === 'code' ? cell.model.executionCount : null])"""


def test_a_learner_goes_from_a_blank_exercise_to_a_hint_a_solution_and_a_green_checker(browser, jupyter_lab):
    url, folder = jupyter_lab
    wait = WebDriverWait(browser, WAIT_SECONDS)
    browser.get(url)
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "jp-main-statusbar"), "Idle"))
    browser.find_element(By.XPATH, "//div[contains(@class, 'lm-MenuBar-itemLabel') and text()='Run']").click()
    browser.find_element(By.CSS_SELECTOR, "li.lm-Menu-item[data-command='runmenu:run-all']").click()
    wait.until(lambda driver: "Part I · Foundations" in driver.execute_script(_OUTPUTS)[-1][1])

    def run(index, source, new=False):
        """Run `source` in a cell; wait until the kernel has run it; return the cell's index and its output."""
        latest = max(count or 0 for *_, count in browser.execute_script(_CELLS))
        ran = browser.execute_async_script(_RUN_CELL, index, source, new)
        wait.until(lambda driver: (driver.execute_script(_CELLS)[ran][2] or 0) > latest)
        return ran, browser.execute_script(_CELLS)[ran][1]

    cells = browser.execute_script(_CELLS)
    answer = next(i for i, (source, *_) in enumerate(cells) if source.startswith("def get_time(city: str) -> str:"))
    check = next(i for i, (source, *_) in enumerate(cells) if "await check_time_tool(get_time)" in source)
    assert cells[check][1].startswith("✏️ Not attempted yet")  # a blank exercise

    hint_cell, hint = run(check, "check_time_tool.hint()", new=True)
    assert hint.startswith("💡 ") and "@function_tool" in hint
    _, solution = run(hint_cell, "check_time_tool.solution()", new=True)
    assert solution.startswith("# One way to pass check_time_tool")
    run(answer, solution)  # the learner pastes the printed solution into the exercise cell and runs it
    _, verdict = run(check, "from course_helpers.exercises.ex00_start_here import check_time_tool\n\n"
                            "await check_time_tool(get_time)")
    assert verdict.startswith("✅ the offline model chose get_time")
    browser.execute_script("arguments[0].scrollIntoView()",
                           browser.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")[check])
    browser.save_screenshot(SCREENSHOTS / "jupyterlab_00_hint_solution_checker.png")

    progress_file = folder.parent / "my-work" / "progress.jsonl"
    shown = subprocess.run([sys.executable, str(course.ROOT / "course.py"), "progress"], capture_output=True,
                           text=True, check=True, env={**os.environ, "COURSE_PROGRESS": str(progress_file)}).stdout
    assert "Part I · Foundations: 1 of " in shown
    assert next(line for line in shown.splitlines() if "00 start_here" in line).endswith("1/1")


@pytest.fixture
def site_url(tmp_path):
    """The rendered site, served over HTTP from 127.0.0.1 by a thread; its base URL."""
    site.build(tmp_path)

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=tmp_path))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join()


def test_site_navigation_from_the_index_to_the_second_notebook(browser, site_url):
    pages = site.syllabus()
    wait = WebDriverWait(browser, WAIT_SECONDS)
    browser.get(site_url + "index.html")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Agents from First Principles"
    assert browser.find_element(By.CLASS_NAME, "course-banner").is_displayed()
    browser.save_screenshot(SCREENSHOTS / "site_index.png")

    for page, link in [(pages[0], (By.LINK_TEXT, pages[0].title)), (pages[1], (By.CSS_SELECTOR, "a[rel=next]"))]:
        browser.find_element(*link).click()
        wait.until(expected_conditions.url_to_be(site_url + page.file_name))
        assert browser.find_element(By.TAG_NAME, "h1").text.startswith(page.title)
        assert browser.find_element(By.CLASS_NAME, "course-banner").is_displayed()
        browser.save_screenshot(SCREENSHOTS / f"site_{page.number}.png")
