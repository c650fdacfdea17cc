"""The plain facts the reputation rules read (reputation.md §1.1, §2.2, §3.1, §6).

Nothing here touches a database: the live loader (``reputation.loader``) and the history
import (``reputation.history``) both produce these values, and ``reputation.rules`` is a pure
function of them and an instant T. Every sequence is sorted by time, oldest first.
Keys (``key``, ``client``) are whatever identifies a user in the source: the user id when
loaded from the database, the history's id when read from a file.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class FeedbackRecord:
    """One client feedback record on a contract, at its reveal time (marketplace §7)."""

    at: datetime
    public: Fraction | None  # the overall public score, 1–5 (the mean of the six criteria)
    private: int | None  # the private "recommend" score, 0–10


@dataclass(frozen=True, slots=True)
class DisputeDecision:
    at: datetime
    outcome: str  # freelancer_won | client_won | split


@dataclass(frozen=True, slots=True)
class ContractHistory:
    id: Hashable
    client: Hashable
    started_at: datetime
    ended_at: datetime | None
    payments: tuple[tuple[datetime, int], ...] = ()  # (released at, gross cents), by time
    client_feedback: tuple[FeedbackRecord, ...] = ()  # by time
    disputes: tuple[DisputeDecision, ...] = ()  # decided disputes, by time


@dataclass(frozen=True, slots=True)
class Hold:
    starts_at: datetime
    ends_at: datetime | None  # None: open


@dataclass(frozen=True, slots=True)
class FreelancerHistory:
    key: Hashable
    handle: str
    created_at: datetime
    contracts: tuple[ContractHistory, ...] = ()
    proposals: tuple[datetime, ...] = ()  # times proposals were sent
    completeness: tuple[tuple[datetime, int], ...] = ()  # (at, percent) recorded changes
    phone_verified_at: datetime | None = None
    identity_verified_at: datetime | None = None
    readiness_passed_at: datetime | None = None  # the first passed readiness test
    holds: tuple[Hold, ...] = ()
    suspended_at: datetime | None = None  # a suspension (not a hold) in force since then


@dataclass(frozen=True, slots=True)
class PreviousResult:
    """The previous evaluation's level and at-risk flag (§2.4); ``none``/False for the first."""

    level: str = "none"
    at_risk: bool = False


@dataclass(slots=True)
class ClientStatuses:
    """Each client's conduct status over time (trust.md §1; ``client_status`` lines).

    ``changes[client]`` is a time-sorted tuple of (at, status); a client without changes is
    active. ``excluded(client, T)`` is reputation.md §1.3's second exclusion."""

    changes: dict[Hashable, tuple[tuple[datetime, str], ...]] = field(default_factory=dict)

    def status_at(self, client: Hashable, at: datetime) -> str:
        status = "active"
        for when, value in self.changes.get(client, ()):
            if when > at:
                break
            status = value
        return status

    def excluded(self, client: Hashable, at: datetime) -> bool:
        return self.status_at(client, at) in ("restricted", "banned")
