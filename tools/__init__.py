"""Repository tools that course.py runs inside .venv: the static site and the benchmark (not shipped to learners)."""
