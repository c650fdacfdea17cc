"""Message threads between a client and a freelancer (marketplace.md §8)."""
