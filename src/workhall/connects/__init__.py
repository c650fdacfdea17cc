"""Connects: plans, lots, prices, spending, refunds and boosts (marketplace.md §4)."""
