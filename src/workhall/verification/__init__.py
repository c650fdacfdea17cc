"""Phone verification by SMS code (trust.md §2.1)."""
