"""Helpers for Agents from First Principles: provider setup, the offline course model, exercise checkers."""

from .errors import CourseProviderError, CourseSetupError
from .offline import OfflineModel
from .providers import CourseModel, setup

__all__ = ["CourseModel", "CourseProviderError", "CourseSetupError", "OfflineModel", "setup"]
