"""Workhall: an open-source freelance marketplace."""

__version__ = "0.1.0"
