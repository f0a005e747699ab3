"""Render every notebook, with its stored outputs, into a static HTML site: `python3 course.py docs`."""

from __future__ import annotations

import functools
import html
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import jinja2
import nbformat
from nbconvert import HTMLExporter
from nbconvert.filters import markdown2html

import course

_MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")

BANNER_TEXT = "Every output on this site comes from the offline course model"
BANNER = (
    '<p class="course-banner" role="note"><strong>Offline outputs.</strong> Every output on this site comes from '
    "the offline course model: deterministic, no network, no API key. To run a notebook on a real model, open it "
    "in Colab (its badge) and add <code>OPENAI_API_KEY</code> or <code>GEMINI_API_KEY</code> to Colab secrets, or "
    "set one of them and run <code>python3 course.py lab</code>; "
    '<a href="00_start_here.html">00 · Start here</a> shows how.</p>'
)
ANSWERS_PAGE, TEACHING_PAGE, GRAPH = "answers.html", "teaching.html", "notebook-graph.svg"
_CSS = """
.course-nav, .course-banner, .course-extras { max-width: 1000px; margin: 0.75rem auto; padding: 0.5rem 1rem;
  font-family: system-ui, sans-serif; font-size: 0.95rem; }
.course-nav { display: flex; justify-content: space-between; gap: 1rem; }
.course-banner { background: #fff8e1; border: 1px solid #f0c36d; border-radius: 6px; }
.course-nav a, .course-banner a { color: #1a5fb4; }
.course-extras { text-align: center; }
.course-index { max-width: 1000px; margin: 0 auto; padding: 0 1rem 2rem; font-family: system-ui, sans-serif; }
.course-index table { border-collapse: collapse; width: 100%; }
.course-index td, .course-index th { text-align: left; vertical-align: baseline; padding: 0.35rem 0.6rem;
  border-bottom: 1px solid #ddd; }
"""
# The lab template without its CDN scripts (require.js, MathJax, Mermaid: no notebook needs them), so every page
# works offline, plus the course's banner and navigation above and below each notebook. Code is not passed through
# bleach a second time: Pygments has escaped it already, and bleach took a third of the build.
_TEMPLATE = """{%- extends 'index.html.j2' -%}
{% block input %}
<div class="jp-CodeMirrorEditor jp-Editor jp-InputArea-editor" data-type="inline">
<div class="cm-editor cm-s-jupyter">{{ cell.source | highlight_code(metadata=cell.metadata) }}</div>
</div>
{% endblock input %}
{% block html_head_js_requirejs %}{% endblock %}
{% block html_head_js_mathjax %}{% endblock %}
{% block html_head_js_mermaidjs %}{% endblock %}
{% block extra_css %}<style>{{ resources.course_css }}</style>{% endblock %}
{% block body_header %}{{ super() }}{{ resources.course_top }}{% endblock %}
{% block body_footer %}{{ resources.course_bottom }}{{ super() }}{% endblock %}
"""


@dataclass(frozen=True)
class Page:
    """One notebook of the syllabus: its number, short title (README), full title (its heading), files."""

    number: str
    short_title: str
    title: str
    description: str
    notebook: Path

    @property
    def file_name(self) -> str:
        return self.notebook.with_suffix(".html").name


def syllabus() -> list[Page]:
    """The course's notebooks in the README's syllabus order; raises ValueError when one it lists is missing.

    Any other notebook in notebooks/ is a learner's own, and is not published."""
    rows = course.syllabus_rows()
    missing = [name for _, _, name, _ in rows if not (course.NOTEBOOKS / name).is_file()]
    if missing or not rows:
        raise ValueError(
            f"README.md's syllabus lists notebooks that notebooks/ lacks ({', '.join(missing) or 'it lists none'}): "
            "restore them with `git checkout notebooks/`, or fix the rows `| NN | [Title](notebooks/NN_x.ipynb) | "
            "what it teaches |`."
        )
    pages = []
    for number, short_title, name, description in rows:
        notebook = course.NOTEBOOKS / name
        heading = nbformat.read(notebook, as_version=4).cells[0].source.splitlines()[0]
        pages.append(Page(number, short_title, heading.removeprefix("# ").strip(), description, notebook))
    return pages


@functools.cache
def _exporter() -> HTMLExporter:
    """One exporter for every page: building it (templates, CSS) costs more than rendering a notebook."""
    loader = jinja2.DictLoader({"course.html.j2": _TEMPLATE})
    return HTMLExporter(template_name="lab", template_file="course.html.j2", extra_loaders=[loader])


def _site_href(target: str, source: Path) -> str:
    """Where a link in a notebook points on the site: another page, the index, or the file on GitHub."""
    if re.match(r"[a-z][a-z0-9+.-]*:|#", target) or not target:
        return target  # web links and in-page anchors
    file, hash_, anchor = target.partition("#")
    resolved = (source.parent / file).resolve()
    if resolved.parent == course.NOTEBOOKS and resolved.suffix == ".ipynb":
        return resolved.with_suffix(".html").name + hash_ + anchor
    if resolved == course.ROOT / "README.md":
        return "index.html" + hash_ + anchor
    if resolved.parent == _answers() and resolved.suffix == ".md":
        return f"{ANSWERS_PAGE}#{resolved.stem}"
    if resolved in (_guide(), _guide().with_name(GRAPH)):
        return TEACHING_PAGE if resolved == _guide() else GRAPH
    config = course.course_config()
    path = resolved.relative_to(course.ROOT).as_posix()
    return f"https://github.com/{config['repository']}/blob/{config['branch']}/{path}{hash_}{anchor}"


def _navigation(pages: list[Page], index: int, where: str) -> str:
    """Previous · Contents · Next, as the notebooks' own navigation line has them."""
    previous = pages[index - 1] if index > 0 else None
    following = pages[index + 1] if index + 1 < len(pages) else None
    parts = [
        f'<a rel="prev" href="{previous.file_name}">← {previous.number} · {html.escape(previous.short_title)}</a>'
        if previous else "<span></span>",
        '<a rel="contents" href="index.html#syllabus">Contents</a>',
        f'<a rel="next" href="{following.file_name}">{following.number} · {html.escape(following.short_title)} →</a>'
        if following else "<span></span>",
    ]
    return f'<nav class="course-nav" aria-label="{where}">{"".join(parts)}</nav>'


def render_page(pages: list[Page], index: int) -> str:
    """One notebook as an HTML page: outputs as stored, links rewritten, banner and navigation added."""
    page = pages[index]
    resources = {
        "metadata": {"name": page.title},
        "course_css": _CSS,
        "course_top": _navigation(pages, index, "top") + BANNER,
        "course_bottom": _extras(page) + _navigation(pages, index, "bottom"),
    }
    notebook = nbformat.read(page.notebook, as_version=4)
    # A static page cannot run a widget: without widget state each one shows its text form, and no page loads
    # the widget renderer from a CDN.
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = _MARKDOWN_LINK.sub(lambda link: f"]({_site_href(link[1], page.notebook)})", cell.source)
    return _exporter().from_notebook_node(notebook, resources=resources)[0]


def _answers() -> Path:
    return course.ROOT / "docs" / "answers"


def _guide() -> Path:
    return course.ROOT / "docs" / "TEACHING.md"


def _extras(page: Page) -> str:
    """Under a notebook: its model answers (when it has them) and the teacher's guide."""
    links = [f'<a href="{ANSWERS_PAGE}#{page.notebook.stem}">Model answers to this notebook\'s questions</a>']
    links = links if (_answers() / f"{page.notebook.stem}.md").is_file() else []
    links += [f'<a href="{TEACHING_PAGE}">Teacher\'s guide</a>'] if _guide().is_file() else []
    return f'<p class="course-extras">{" · ".join(links)}</p>' if links else ""


def _markdown_page(title: str, body_markdown: str, source: Path, top: str = "") -> str:
    """A page of the site from markdown: the banner, the text with its links rewritten, a way back to the index."""
    body = _MARKDOWN_LINK.sub(lambda link: f"]({_site_href(link[1], source)})", body_markdown)
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(title)}</title><style>{_CSS}</style></head>
<body><main class="course-index">
<nav class="course-nav" aria-label="top"><a href="index.html">← Contents</a></nav>
{BANNER}
{top}{markdown2html(body)}
</main></body></html>
"""


def render_answers(pages: list[Page]) -> str:
    """Every notebook's model answers on one page, a section per notebook (its id is the notebook's stem)."""
    sections = []
    for page in pages:
        answers = _answers() / f"{page.notebook.stem}.md"
        if answers.is_file():
            # The file's own title and opening line give way to the page's.
            text = answers.read_text(encoding="utf-8").split("\n\n", 2)[-1]
            sections.append(f'<section id="{page.notebook.stem}"><h2><a href="{page.file_name}">'
                            f"{html.escape(page.title)}</a></h2>\n"
                            + markdown2html(_MARKDOWN_LINK.sub(lambda link: f"]({_site_href(link[1], answers)})",
                                                               text)) + "</section>")
    intro = ("<h1>Model answers</h1><p>Short answers to every notebook's <em>Questions</em>, accurate to the "
             "course's pinned SDK. Answer in your own words first; there is more than one good answer.</p>")
    return _markdown_page("Model answers", "", _answers(), top=intro + "\n".join(sections))


def render_teaching() -> str:
    """The teacher's guide, docs/TEACHING.md, as a page."""
    return _markdown_page("Teacher's guide", _guide().read_text(encoding="utf-8"), _guide())


def render_index(pages: list[Page]) -> str:
    """The home page: what the course is, the banner and the syllabus."""
    readme = (course.ROOT / "README.md").read_text()
    introduction = readme.split("\n## ")[0].split("\n", 1)[1].strip()  # the paragraphs under the title
    rows = "\n".join(
        f'<tr><td>{page.number}</td><td><a href="{page.file_name}">{html.escape(page.title)}</a></td>'
        f"<td>{markdown2html(page.description).removeprefix('<p>').removesuffix('</p>').strip()}</td></tr>"
        for page in pages
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Agents from First Principles</title><style>{_CSS}</style></head>
<body><main class="course-index">
<h1>Agents from First Principles</h1>
{BANNER}
{markdown2html(introduction)}
{_index_extras()}
<h2 id="syllabus">Syllabus</h2>
<table><thead><tr><th>#</th><th>Notebook</th><th>What it teaches</th></tr></thead>
<tbody>
{rows}
</tbody></table>
</main></body></html>
"""


def _index_extras() -> str:
    links = [f'<a href="{TEACHING_PAGE}">Teacher\'s guide</a>'] if _guide().is_file() else []
    links += [f'<a href="{ANSWERS_PAGE}">Model answers to every notebook\'s questions</a>'] if _answers().is_dir() else []
    return f'<p class="course-extras">{" · ".join(links)}</p>' if links else ""


def build(folder: Path) -> list[Path]:
    """Write index.html and one page per notebook into `folder`; remove pages of notebooks that no longer exist."""
    pages = syllabus()
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "index.html"]
    written[0].write_text(render_index(pages))
    for index, page in enumerate(pages):
        written.append(folder / page.file_name)
        written[-1].write_text(render_page(pages, index))
    if _answers().is_dir():
        written.append(folder / ANSWERS_PAGE)
        written[-1].write_text(render_answers(pages))
    if _guide().is_file():
        written.append(folder / TEACHING_PAGE)
        written[-1].write_text(render_teaching())
        written.append(folder / GRAPH)
        written[-1].write_bytes(_guide().with_name(GRAPH).read_bytes())
    for stale in set(folder.glob("[0-9][0-9]_*.html")) - set(written):
        stale.unlink()
    return written


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else course.BUILD / "site"
    started = time.perf_counter()
    try:
        written = build(folder)
    except ValueError as error:
        print(f"course: {error}", file=sys.stderr)
        return 1
    for page in syllabus():
        if sentence := course.learner_change(page.notebook):
            print(f"course: {sentence}")
    shown = folder.relative_to(course.ROOT) if folder.is_relative_to(course.ROOT) else folder
    print(f"course: wrote {len(written)} pages to {shown} in {time.perf_counter() - started:.1f} s; "
          f"open {shown / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
