"""Shared plumbing: settings, database, clock, money, errors, auth dependencies."""
