"""The double-entry ledger where all money lives (marketplace.md §6.1)."""
