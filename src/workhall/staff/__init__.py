"""The staff console (trust.md; quality.md §3): queues, holds, audit log, marketplace health."""
