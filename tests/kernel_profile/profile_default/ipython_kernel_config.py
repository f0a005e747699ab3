"""IPython kernel settings for tested notebooks: behave as in Jupyter, keep no history file, print no notices."""

import os

c = get_config()  # noqa: F821 (IPython provides get_config in config files)

# Kernels started under pytest inherit PYTEST_CURRENT_TEST, and ipykernel then stops capturing file descriptors:
# sys.stderr.fileno() fails (MCP's stdio client needs it) and subprocess output is lost. This file runs before that.
os.environ.pop("PYTEST_CURRENT_TEST", None)

c.HistoryManager.enabled = False  # no history.sqlite written into the repository
c.IPKernelApp.log_level = "ERROR"  # no "running over TCP without encryption" notice: kernels talk over loopback
