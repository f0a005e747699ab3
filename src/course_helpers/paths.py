"""Where the course's data files live, in a clone, an editable install or Colab."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The course's `data/` folder: `COURSE_DATA_DIR` if set, else the repository's own."""
    if configured := os.environ.get("COURSE_DATA_DIR"):
        return Path(configured)
    for parent in Path(__file__).resolve().parents:
        if (parent / "data").is_dir() and (parent / "pyproject.toml").is_file():
            return parent / "data"
    return Path.cwd().parent / "data"
