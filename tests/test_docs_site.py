"""The static site (`python3 course.py docs`): a page per notebook with its stored outputs, navigation that resolves."""

import html
import re
from urllib.parse import urlsplit

import nbformat
import pytest

import course
from tools import site

LINK = re.compile(r'\b(?:href|src)="([^"]*)"')
ANCHOR = re.compile(r'\bid="([^"]*)"')
# A script or stylesheet from the network, in a tag or in a script's string (the widget renderer loads that way).
REMOTE_CODE = re.compile(r'<script[^>]*\ssrc="https?:|<link[^>]*\shref="https?:[^"]*\.css|["\']https?://[^"\']+\.js["\']')
A_TAG = re.compile(r"<a\s[^>]*>")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The site built once into a temporary folder, as `python3 course.py docs FOLDER` builds it."""
    folder = tmp_path_factory.mktemp("site")
    assert site.main([str(folder)]) == 0
    return folder, site.syllabus()


def _page(folder, name: str) -> str:
    return (folder / name).read_text()


def test_index_lists_every_notebook_in_syllabus_order(built):
    folder, pages = built
    assert [page.notebook for page in pages] == course.course_notebooks()
    assert [page.notebook.name for page in pages] == sorted(page.notebook.name for page in pages)
    index = _page(folder, "index.html")
    syllabus = index.split('id="syllabus"')[1]
    linked = [target for target in LINK.findall(syllabus) if target.endswith(".html")]
    assert linked == [page.file_name for page in pages]
    for page in pages:
        assert html.escape(page.title) in index  # the notebook's own heading
        assert (folder / page.file_name).is_file()


def test_every_page_shows_the_offline_banner_and_loads_nothing_from_the_network(built):
    folder, pages = built
    for name in ["index.html", *(page.file_name for page in pages)]:
        text = _page(folder, name)
        assert 'class="course-banner"' in text and site.BANNER_TEXT in text, f"{name} lacks the offline-model banner."
        remote = REMOTE_CODE.findall(text)
        assert not remote, f"{name} loads scripts or styles from the network: {remote}"


def test_every_local_link_resolves(built):
    folder, pages = built
    anchors = {}
    for name in sorted(path.name for path in folder.glob("*.html")):
        for target in LINK.findall(_page(folder, name)):
            parts = urlsplit(html.unescape(target))
            if parts.scheme in ("http", "https", "data", "mailto"):
                continue
            assert not parts.path.endswith((".ipynb", ".md")), f"{name} links to {target}, not to a page of the site."
            linked = parts.path or name
            assert (folder / linked).is_file(), f"{name} links to {target}, which the site does not have."
            if parts.fragment:
                if linked not in anchors:
                    anchors[linked] = set(ANCHOR.findall(_page(folder, linked)))
                assert parts.fragment in anchors[linked], f"{name} links to {target}: no such anchor."


def test_every_notebook_links_to_its_answers_and_the_guide(built):
    folder, pages = built
    answers = _page(folder, site.ANSWERS_PAGE)
    for page in pages:
        text = _page(folder, page.file_name)
        assert f'href="{site.ANSWERS_PAGE}#{page.notebook.stem}"' in text, f"{page.file_name} has no answers link"
        assert f'href="{site.TEACHING_PAGE}"' in text
        section = answers.split(f'<section id="{page.notebook.stem}">', 1)[1].split("</section>", 1)[0]
        assert f'href="{page.file_name}"' in section and section.count("<li>") >= 3
    index = _page(folder, "index.html")
    assert f'href="{site.TEACHING_PAGE}"' in index and f'href="{site.ANSWERS_PAGE}"' in index


def test_the_guide_page_shows_the_graph_and_the_timings(built):
    folder, pages = built
    guide = _page(folder, site.TEACHING_PAGE)
    assert f'src="{site.GRAPH}"' in guide and (folder / site.GRAPH).read_text().startswith("<svg")
    assert site.BANNER_TEXT in guide and "<table>" in guide
    assert all(f"<td>{page.number}</td>" in guide for page in pages)


def test_navigation_goes_previous_contents_next(built):
    folder, pages = built
    for index, page in enumerate(pages):
        links = [
            (re.search(r'\brel="([^"]*)"', tag)[1], re.search(r'\bhref="([^"]*)"', tag)[1])
            for tag in A_TAG.findall(_page(folder, page.file_name))
            if re.search(r'\brel="(prev|contents|next)"', tag)
        ]
        expected = [("contents", "index.html#syllabus")]
        if index > 0:
            expected.insert(0, ("prev", pages[index - 1].file_name))
        if index + 1 < len(pages):
            expected.append(("next", pages[index + 1].file_name))
        assert links == expected * 2, f"{page.file_name}: navigation above and below should be {expected}"


def test_links_between_notebooks_point_to_their_pages(built):
    folder, pages = built
    start = _page(folder, pages[0].file_name)
    assert f'href="{pages[1].file_name}"' in start  # the notebook's own navigation line, rewritten
    assert 'href="index.html#syllabus"' in start
    assert 'href="../README.md' not in start


@pytest.mark.parametrize("number", ["00", "20"])
def test_pages_show_the_stored_outputs(built, number):
    folder, pages = built
    page = next(page for page in pages if page.number == number)
    text = _page(folder, page.file_name)
    notebook = nbformat.read(page.notebook, as_version=4)
    streams = [o.text for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs if "text" in o]
    assert streams, f"{page.notebook.name} has no stored outputs to compare."
    for text_output in (streams[0], streams[-1]):  # the setup line and the last printed output
        assert html.escape(text_output.strip().splitlines()[0], quote=False) in text


def _tree(tmp_path, monkeypatch, names):
    """README.md with a syllabus row for 00 and notebooks/ holding `names`; course.py pointed at it."""
    (tmp_path / "README.md").write_text("## Syllabus\n\n| 00 | [Start here](notebooks/00_start_here.ipynb) | x |\n")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in names:
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {name[:2]} · A title")])
        nbformat.write(notebook, notebooks / name)
    monkeypatch.setattr(course, "ROOT", tmp_path)
    monkeypatch.setattr(course, "NOTEBOOKS", notebooks)


def test_a_syllabus_row_without_its_notebook_is_explained(tmp_path, monkeypatch):
    _tree(tmp_path, monkeypatch, ["01_extra.ipynb"])
    with pytest.raises(ValueError, match=r"lists notebooks that notebooks/ lacks \(00_start_here.ipynb\): restore"):
        site.syllabus()


def test_a_learners_notebook_is_not_published(tmp_path, monkeypatch, capsys):
    _tree(tmp_path, monkeypatch, ["00_start_here.ipynb", "Untitled.ipynb", "00_start_here-Copy1.ipynb"])
    assert [page.notebook.name for page in site.syllabus()] == ["00_start_here.ipynb"]
    monkeypatch.setattr(course, "learner_change", lambda path: f"{path.name} holds your own run.")
    assert site.main([str(tmp_path / "site")]) == 0
    assert sorted(path.name for path in (tmp_path / "site").glob("*.html")) == ["00_start_here.html", "index.html"]
    assert capsys.readouterr().out.startswith("course: 00_start_here.ipynb holds your own run.\ncourse: wrote 2 pages")
