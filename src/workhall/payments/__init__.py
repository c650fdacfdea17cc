"""Payments: the payment provider interface (marketplace.md §6.3).

The ledger comes with contracts.
"""
