"""Test set-up: the offline, key-free environment of course.py, and no network except loopback, here and in kernels."""

import os
import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # so tests can `import course`

import course  # noqa: E402

# The same environment `python3 course.py test` gives, for runs of plain pytest; notebook kernels inherit it,
# and IPYTHONDIR makes each of them run tests/kernel_profile/profile_default/startup/00-block-network.py.
_offline = course.offline_environment(os.environ)
for _name in set(os.environ) - set(_offline):
    del os.environ[_name]
os.environ.update(_offline)

# Tests themselves get the same network block as the kernels.
runpy.run_path(str(course.KERNEL_PROFILE / "profile_default" / "startup" / "00-block-network.py"))


# Fixture notebooks run only inside tests; the kernel profile holds no tests.
collect_ignore = ["fixtures", "kernel_profile"]
