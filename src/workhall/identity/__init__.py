"""Identity verification (trust.md §2.2)."""
