"""The audit log: every staff action and every change of money, status or badge (trust.md §3)."""
