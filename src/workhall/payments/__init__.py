"""Payments: the payment provider interface (marketplace.md §6.3); the ledger comes with contracts."""
