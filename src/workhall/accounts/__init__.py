"""Accounts, sign-in, sessions, API tokens and profiles (marketplace.md §1, trust.md §3)."""
