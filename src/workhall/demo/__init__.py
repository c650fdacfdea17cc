"""The demo marketplace (``workhall demo``): realistic, reproducible from a seed."""
