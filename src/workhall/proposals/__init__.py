"""Proposals, invitations and boosts (marketplace.md §3, §4.3–§4.5)."""
