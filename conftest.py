"""pytest set-up for whatever paths it is given (tests/, notebooks/, a folder, one file): the offline, key-free
environment of course.py, no network except loopback here and in notebook kernels, and only the course's notebooks."""

import os
import runpy

import course

# The same environment `python3 course.py test` gives, for runs of plain pytest; notebook kernels inherit it,
# and IPYTHONDIR makes each of them run tests/kernel_profile/profile_default/startup/00-block-network.py.
_offline = course.offline_environment(os.environ)
for _name in set(os.environ) - set(_offline):
    del os.environ[_name]
os.environ.update(_offline)

# Tests themselves get the same network block as the kernels.
runpy.run_path(str(course.KERNEL_PROFILE / "profile_default" / "startup" / "00-block-network.py"))


def pytest_configure(config):
    # A plugin object's hooks apply to every path, notebooks/ and files named on the command line included.
    config.pluginmanager.register(course.CourseNotebooksOnly(), "course-notebooks-only")
