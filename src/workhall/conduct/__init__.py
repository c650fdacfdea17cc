"""The client conduct program (trust.md §1)."""
