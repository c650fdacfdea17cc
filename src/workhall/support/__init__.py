"""Support tickets with the Top Rated priority queue (reputation.md §2.5)."""
