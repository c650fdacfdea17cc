"""Offers and contracts: fixed-price milestones, escrow, ending, escrow returns (§5)."""
