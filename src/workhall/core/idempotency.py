"""Idempotency keys for requests that move money or Connects (marketplace.md §6.4).

The key is stored in the same transaction as the effect, so a request that failed (and rolled
back) can be retried with its key and takes effect exactly once. Replaying a key with the same
body returns the first response and moves nothing; with a different body → 422.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from workhall.core.clock import utcnow
from workhall.core.db import Base
from workhall.core.errors import Unprocessable
from workhall.core.models import BigId, IntPk, Timestamp

MAX_KEY_LENGTH = 200


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer, default=0)
    response_body: Mapped[Any] = mapped_column(JSON, nullable=True)
    created_at: Mapped[Timestamp]


def request_fingerprint(method: str, path: str, payload: Any) -> str:
    canonical = json.dumps([method.upper(), path, payload], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise Unprocessable(f"Idempotency-Key must be 1–{MAX_KEY_LENGTH} printable characters.")
    return key


def run_idempotent(
    session: Session,
    request: Request,
    user_id: int,
    payload: Any,
    action: Callable[[], tuple[int, Any]],
) -> JSONResponse:
    """Run ``action`` (which returns status and JSON body) at most once per Idempotency-Key."""
    key = idempotency_key(request)
    if key is None:
        status, body = action()
        return JSONResponse(body, status_code=status)
    fingerprint = request_fingerprint(request.method, request.url.path, payload)
    existing = _find(session, user_id, key)
    if existing is None:
        record = IdempotencyRecord(
            user_id=user_id, key=key, request_hash=fingerprint, created_at=utcnow()
        )
        try:
            with session.begin_nested():
                session.add(record)
                session.flush()
        except IntegrityError:
            # Another request with this key committed first (PostgreSQL waited for it).
            existing = _find(session, user_id, key)
            if existing is None:
                raise
    if existing is not None:
        return _replay(existing, fingerprint)
    status, body = action()
    record.status_code = status
    record.response_body = body
    session.flush()
    return JSONResponse(body, status_code=status)


def _find(session: Session, user_id: int, key: str) -> IdempotencyRecord | None:
    return session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key
        )
    )


def _replay(existing: IdempotencyRecord, fingerprint: str) -> JSONResponse:
    if existing.request_hash != fingerprint:
        raise Unprocessable(
            "This Idempotency-Key was already used with a different request.",
            title="Idempotency key reused",
        )
    return JSONResponse(
        existing.response_body,
        status_code=existing.status_code,
        headers={"Idempotent-Replayed": "true"},
    )
