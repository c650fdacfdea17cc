"""Jobs: posting, search, the client's screening card, best matches (marketplace.md §2)."""
