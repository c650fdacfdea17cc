"""Double-blind feedback on ended contracts (marketplace.md §7)."""
