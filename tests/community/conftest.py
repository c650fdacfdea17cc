from tests.support.conftest import count, evaluate, make_staff, make_top_rated

__all__ = ["count", "evaluate", "make_staff", "make_top_rated"]
