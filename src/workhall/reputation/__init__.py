"""Reputation: Job Success Score, Top Rated / Plus, Rising Talent, My Stats (reputation.md)."""
