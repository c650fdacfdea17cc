"""In-app notifications and the email outbox delivered by the worker (marketplace.md §8)."""
