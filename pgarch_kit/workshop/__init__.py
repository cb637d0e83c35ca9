"""L5: the workshop — exercises that check themselves against the advisor and the real
server (see :mod:`.exercise`), one to two per notebook (:mod:`.catalog`)."""
from .catalog import EXERCISES, exercise, exercises
from .exercise import CheckResult, Exercise

__all__ = ["EXERCISES", "CheckResult", "Exercise", "exercise", "exercises"]
