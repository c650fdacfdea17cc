"""Top Rated community area, workshops and resources (reputation.md §2.5)."""
