"""Checkers for the notebooks' exercises, one module per notebook (exNN_topic.py)."""
