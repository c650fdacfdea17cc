"""Freelancer search for clients, with badges and ranking boosts (reputation.md §2.5, §3.2)."""
