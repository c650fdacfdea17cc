"""ASGI entry point for ``uvicorn workhall.asgi:app`` (what ``workhall serve`` runs)."""

from workhall.app import create_app

app = create_app()
