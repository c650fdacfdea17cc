"""Write a validated history (``reputation.history``) as ordinary records (interfaces.md §3).

Everything goes into the caller's transaction (``import_history`` never commits): all or
nothing. Rows are written with bulk inserts, table by table; the tables that others point at
(users, offers, contracts, ledger transactions, feedback, jobs) are inserted with
``RETURNING`` so their new ids are known in order. What each line becomes, and every choice
where the format is silent, is in docs/import.md.
"""

from __future__ import annotations

import json
import operator
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Numeric, Table, select
from sqlalchemy.orm import Session

from workhall.accounts.models import (
    AccountHold,
    AccountStatusChange,
    ClientProfile,
    FreelancerProfile,
    User,
)
from workhall.audit.models import AuditEvent
from workhall.catalog import CATEGORIES
from workhall.conduct.models import ClientStatusChange
from workhall.contracts.models import Contract, Offer
from workhall.core.clock import utcnow
from workhall.core.db import UTCDateTime
from workhall.core.settings import Settings
from workhall.disputes.models import Dispute
from workhall.feedback.models import Feedback, FeedbackPrivate, FeedbackRevision
from workhall.jobs.models import Job
from workhall.ledger import service as ledger
from workhall.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction
from workhall.ledger.rules import check_schedule, service_fee
from workhall.payments.models import Payment
from workhall.proposals.models import Proposal
from workhall.reputation.history import FeedbackLine, History, HistoryError
from workhall.reputation.models import ProfileCompletenessRecord, ReadinessAttempt

# An imported account cannot sign in: its address is in the reserved ".invalid" domain and its
# password hash is no argon2 hash, so every password check fails.
EMAIL_DOMAIN = "import.invalid"
UNUSABLE_PASSWORD = "!imported"
# spec is silent: an hourly contract needs terms; the history has none (docs/import.md).
HOURLY_RATE_CENTS = 5_000
WEEKLY_LIMIT_HOURS = 40
OFFER_EXPIRY = timedelta(days=14)
# spec: marketplace.md §6.3 — released money is pending for 5 days, then available.
AVAILABLE_AFTER = timedelta(days=5)
# The placeholder client whose closed jobs carry imported proposals (docs/import.md).
ARCHIVE_HANDLE = "imported-history"
ARCHIVE_BUDGET_CENTS = 10_000
ARCHIVE_CONNECTS_COST = 4  # spec: marketplace.md §4.2 — a fixed $50–$599.99 job
JOB_EXPIRY = timedelta(days=30)  # spec: marketplace.md §2 — expired 30 days after posting
LEDGER_KIND = "import"
REASON = "Imported history"
CHUNK = 5_000
SQLITE_CACHE_KIB = 131_072  # SQLite page cache during an import (128 MiB), then restored

Progress = Callable[[int], None]


@dataclass
class ImportResult:
    """What was written: the history's record counts and the rows made for them."""

    records: dict[str, int]
    rows: dict[str, int] = field(default_factory=dict)


def import_history(
    session: Session,
    settings: Settings,
    history: History,
    *,
    progress: Progress | None = None,
) -> ImportResult:
    """Write ``history`` as users, contracts, payments (with balanced ledger entries),
    feedback, disputes, proposals, holds and statuses, in the caller's transaction.

    Raises HistoryError (nothing written once the caller rolls back) when an imported handle
    or address is already taken. ``progress`` is told how many history lines each step
    covered."""
    step = progress or (lambda _n: None)
    now = utcnow()
    writer = _Writer(session, settings, history, now)
    try:
        writer.write_all(step)
    finally:
        writer.bulk.close()
    session.add(
        AuditEvent(
            at=now,
            actor_id=None,
            action="history.imported",
            subject_type="history",
            subject_id=str(history.lines),
            data={"records": history.counts(), "rows": writer.rows},
        )
    )
    session.flush()
    return ImportResult(records=history.counts(), rows=writer.rows)


class _Bulk:
    """Raw bulk writes in the session's own transaction: ``executemany`` on SQLite, ``COPY``
    on PostgreSQL. Values are converted the way the models' column types store them (UTC
    times naive on SQLite, JSON as text, booleans as 0/1 on SQLite), so the ORM reads the rows
    back exactly as if it had written them; column defaults fill what a row leaves out."""

    def __init__(self, session: Session) -> None:
        session.flush()
        connection = session.connection()
        self.sqlite = connection.dialect.name == "sqlite"
        raw: Any = connection.connection.driver_connection
        self.raw = raw
        self.cache_size: int | None = None
        self.times: dict[datetime, str] = {}
        if self.sqlite:  # a larger page cache while the indexes grow; restored by close()
            self.cache_size = int(self.raw.execute("PRAGMA cache_size").fetchone()[0])
            self.raw.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")

    def _sqlite_time(self, value: datetime) -> str:
        """SQLAlchemy's DATETIME text on SQLite, UTC; the same instant recurs across tables."""
        text = self.times.get(value)
        if text is None:
            utc = value if value.tzinfo is UTC else value.astimezone(UTC)
            text = self.times[value] = utc.replace(tzinfo=None).isoformat(" ", "microseconds")
        return text

    def close(self) -> None:
        if self.cache_size is not None:
            self.raw.execute(f"PRAGMA cache_size = {self.cache_size}")

    def reserve_ids(self, table: str, count: int) -> list[int]:
        """``count`` new ids of ``table``: PostgreSQL takes them from the table's sequence (safe
        beside other writers); SQLite continues after the largest id, which is safe because
        this transaction holds the database's only writer lock."""
        if count == 0:
            return []
        cursor = self.raw.cursor()
        try:
            if self.sqlite:
                cursor.execute(f'SELECT max(id) FROM "{table}"')
                first = int(cursor.fetchone()[0] or 0) + 1
                return list(range(first, first + count))
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                (table, count),
            )
            return [int(row[0]) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def write(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        columns = [c for c in table.columns if c.name in rows[0] or not c.primary_key]
        names = [c.name for c in columns]
        base = {c.name: _default(c) for c in columns}
        pick = operator.itemgetter(*names)
        convert = [(i, f) for i, c in enumerate(columns) if (f := self._converter(c)) is not None]

        def values(row: dict[str, Any]) -> Sequence[Any]:
            picked = pick({**base, **row})
            if not convert:
                return picked  # type: ignore[no-any-return]
            out = list(picked)
            for i, f in convert:
                if out[i] is not None:
                    out[i] = f(out[i])
            return out

        quoted = ", ".join(f'"{n}"' for n in names)
        cursor = self.raw.cursor()
        try:
            if self.sqlite:
                marks = ", ".join("?" for _ in names)
                sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks})'
                for start in range(0, len(rows), CHUNK):
                    cursor.executemany(sql, [values(r) for r in rows[start : start + CHUNK]])
            else:
                with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(values(row))
        finally:
            cursor.close()

    def _converter(self, column: Column[Any]) -> Callable[[Any], Any] | None:
        kind = column.type
        if isinstance(kind, UTCDateTime):
            return self._sqlite_time if self.sqlite else _pg_time
        if isinstance(kind, JSON):
            return _json
        if self.sqlite and isinstance(kind, Boolean):
            return _sqlite_bool
        if self.sqlite and isinstance(kind, Numeric):
            return float
        return None


def _default(column: Column[Any]) -> Any:
    """The column's default, evaluated once per write (a callable default is the clock)."""
    default = column.default
    if default is None:
        return None
    if getattr(default, "is_callable", False):
        return default.arg(None)  # type: ignore[attr-defined]
    return getattr(default, "arg", None)


def _pg_time(value: datetime) -> datetime:
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def _json(value: Any) -> str:
    return json.dumps(value)


def _sqlite_bool(value: bool) -> int:
    return int(value)


class _Writer:
    def __init__(self, session: Session, settings: Settings, history: History, now: datetime):
        self.session = session
        self.settings = settings
        self.h = history
        self.now = now
        self.user_ids: dict[str, int] = {}
        self.contract_ids: dict[str, int] = {}
        self.rows: dict[str, int] = {}
        self.bulk = _Bulk(session)

    # --- plumbing -------------------------------------------------------------------------

    def _insert(self, model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
        self.bulk.write(model.__table__, rows)
        self.rows[model.__tablename__] = self.rows.get(model.__tablename__, 0) + len(rows)

    def _insert_ids(self, model: type[Any], rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert rows with ids reserved first (``_Bulk.reserve_ids``); returns them in order."""
        ids = self.bulk.reserve_ids(model.__tablename__, len(rows))
        for row, pk in zip(rows, ids, strict=True):
            row["id"] = pk
        self._insert(model, rows)
        return ids

    def write_all(self, step: Progress) -> None:
        h = self.h
        self.check_collisions()
        self.users()
        step(len(h.users))
        self.facts()
        step(
            len(h.profiles)
            + len(h.verifications)
            + len(h.readiness)
            + len(h.holds)
            + len(h.client_statuses)
        )
        self.contracts()
        step(len(h.contracts))
        self.payments()
        step(len(h.payments))
        self.feedback()
        step(len(h.feedback))
        self.disputes()
        step(len(h.disputes))
        self.proposals()
        step(len(h.proposals))

    # --- users ----------------------------------------------------------------------------

    def check_collisions(self) -> None:
        """spec: an imported user's handle is its id — one that is taken refuses the import."""
        users = list(self.h.users.values())
        reserved = self.h.users.get(ARCHIVE_HANDLE)
        if reserved is not None:
            raise HistoryError(reserved.line, "id", f"{ARCHIVE_HANDLE!r} is a reserved handle")
        for start in range(0, len(users), 500):
            part = users[start : start + 500]
            taken = set(
                self.session.scalars(
                    select(User.handle).where(User.handle.in_([u.id for u in part]))
                )
            )
            emails = {_email(u.id): u for u in part}
            taken_emails = set(
                self.session.scalars(select(User.email).where(User.email.in_(list(emails))))
            )
            for u in part:
                if u.id in taken:
                    raise HistoryError(u.line, "id", f"the handle {u.id!r} is already taken")
                if _email(u.id) in taken_emails:
                    raise HistoryError(u.line, "id", f"an account {_email(u.id)} already exists")

    def users(self) -> None:
        h = self.h
        verified: dict[tuple[str, str], datetime] = {}
        for v in h.verifications:
            key = (v.user, v.kind)
            if key not in verified or v.at < verified[key]:
                verified[key] = v.at
        timelines = self._status_timelines()
        records = list(h.users.values())
        rows = [
            {
                "handle": u.id,
                "email": _email(u.id),
                "name": u.name,
                "country": u.country,
                "password_hash": UNUSABLE_PASSWORD,
                "role": u.role,
                "staff_roles": "",
                "status": timelines[u.id][-1][1] if timelines.get(u.id) else "active",
                "created_at": u.created_at,
                "email_verified_at": u.created_at,
                "phone_verified_at": verified.get((u.id, "phone")),
                "identity_verified_at": verified.get((u.id, "identity")),
                "connects_plan": "basic",
                "failed_logins": 0,
            }
            for u in records
        ]
        ids = self._insert_ids(User, rows)
        self.user_ids = {u.id: pk for u, pk in zip(records, ids, strict=True)}
        self._insert(
            FreelancerProfile,
            [
                {"user_id": self.user_ids[u.id], "updated_at": u.created_at}
                for u in records
                if u.role == "freelancer"
            ],
        )
        self._insert(
            ClientProfile,
            [{"user_id": self.user_ids[u.id]} for u in records if u.role == "client"],
        )
        changes: list[dict[str, Any]] = []
        for uid, timeline in timelines.items():
            previous = "active"
            for at, status in timeline:
                changes.append(
                    {
                        "user_id": self.user_ids[uid],
                        "from_status": previous,
                        "to_status": status,
                        "actor_id": None,
                        "reason": f"{REASON}: {_why(status)}",
                        "at": at,
                    }
                )
                previous = status
        self._insert(AccountStatusChange, changes)
        self._insert(
            AuditEvent,
            [
                {
                    "at": self.now,
                    "actor_id": None,
                    "action": "account.status",
                    "subject_type": "user",
                    "subject_id": str(c["user_id"]),
                    "data": {
                        "from_status": c["from_status"],
                        "to_status": c["to_status"],
                        "reason": c["reason"],
                        "at": c["at"].isoformat(),
                    },
                }
                for c in changes
            ],
        )

    def _status_timelines(self) -> dict[str, list[tuple[datetime, str]]]:
        """Each account's status changes up to now (marketplace.md §1): a conduct ban
        suspends (trust.md §1.3), a restriction restricts, an open hold puts on hold."""
        holds: dict[str, list[tuple[datetime, datetime | None]]] = defaultdict(list)
        for hold in self.h.holds:
            holds[hold.user].append((hold.starts_at, hold.ends_at))
        conduct: dict[str, list[tuple[datetime, int, str]]] = defaultdict(list)
        for s in self.h.client_statuses:
            conduct[s.user].append((s.at, s.line, s.status))
        out: dict[str, list[tuple[datetime, str]]] = {}
        for uid in set(holds) | set(conduct):
            moments = sorted(
                {t for t, _l, _s in conduct[uid]}
                | {t for span in holds[uid] for t in span if t is not None}
            )
            changes = sorted(conduct[uid])
            timeline: list[tuple[datetime, str]] = []
            current = "active"
            for moment in moments:
                if moment > self.now:
                    break
                standing = "active"
                for at, _line, status in changes:
                    if at <= moment:
                        standing = status
                held = any(a <= moment and (b is None or b > moment) for a, b in holds[uid])
                status = {"banned": "suspended", "restricted": "restricted"}.get(
                    standing, "on_hold" if held else "active"
                )
                if status != current:
                    timeline.append((moment, status))
                    current = status
            if timeline:
                out[uid] = timeline
        return out

    # --- profile, verification, readiness, holds, client status ---------------------------

    def facts(self) -> None:
        """Rows in time order (ties: file order), so id order is time order for readers."""
        ids, h = self.user_ids, self.h
        self._insert(
            ProfileCompletenessRecord,
            [
                {"user_id": ids[p.user], "at": p.at, "completeness": p.completeness}
                for p in sorted(h.profiles, key=lambda r: (r.at, r.line))
            ],
        )
        self._insert(
            ReadinessAttempt,
            [
                {
                    "user_id": ids[t.user],
                    "at": t.at,
                    "score": None,
                    "passed": t.passed,
                    "answers": {},
                }
                for t in sorted(h.readiness, key=lambda r: (r.at, r.line))
            ],
        )
        self._insert(
            AccountHold,
            [
                {
                    "user_id": ids[hd.user],
                    "starts_at": hd.starts_at,
                    "ends_at": hd.ends_at,
                    "reason": REASON,
                    "placed_by_id": None,
                    "lifted_by_id": None,
                    "lift_reason": REASON if hd.ends_at is not None else "",
                }
                for hd in sorted(h.holds, key=lambda r: (r.starts_at, r.line))
            ],
        )
        self._insert(
            ClientStatusChange,
            [
                {
                    "client_id": ids[s.user],
                    "at": s.at,
                    "status": s.status,
                    "case_id": None,
                    "actor_id": None,
                    "note": REASON,
                }
                for s in sorted(h.client_statuses, key=lambda r: (r.at, r.line))
            ],
        )

    # --- contracts --------------------------------------------------------------------------

    def contracts(self) -> None:
        ids = self.user_ids
        records = list(self.h.contracts.values())

        def terms(kind: str) -> dict[str, Any]:
            hourly = kind == "hourly"
            return {
                "kind": kind,
                "hourly_rate_cents": HOURLY_RATE_CENTS if hourly else None,
                "weekly_limit_hours": WEEKLY_LIMIT_HOURS if hourly else None,
            }

        contract_ids = self.bulk.reserve_ids(Contract.__tablename__, len(records))
        offer_ids = self._insert_ids(
            Offer,
            [
                {
                    "client_id": ids[c.client],
                    "freelancer_id": ids[c.freelancer],
                    "job_id": None,
                    "proposal_id": None,
                    "invitation_id": None,
                    "title": _title(c.id),
                    "description": REASON,
                    **terms(c.kind),
                    "keep_hiring": None,
                    "status": "accepted",
                    "created_at": c.started_at,
                    "expires_at": c.started_at + OFFER_EXPIRY,
                    "accepted_at": c.started_at,
                    "decline_reason": "",
                    "contract_id": contract_id,
                }
                for c, contract_id in zip(records, contract_ids, strict=True)
            ],
        )
        self._insert(
            Contract,
            [
                {
                    "id": contract_id,
                    "client_id": ids[c.client],
                    "freelancer_id": ids[c.freelancer],
                    "job_id": None,
                    "proposal_id": None,
                    "offer_id": offer_id,
                    "title": _title(c.id),
                    "description": REASON,
                    **terms(c.kind),
                    "status": "ended" if c.ended_at is not None else "active",
                    "started_at": c.started_at,
                    "ended_at": c.ended_at,
                    "ended_by_id": None,
                    "end_reason": REASON if c.ended_at is not None else "",
                }
                for c, offer_id, contract_id in zip(records, offer_ids, contract_ids, strict=True)
            ],
        )
        self.contract_ids = {c.id: pk for c, pk in zip(records, contract_ids, strict=True)}

    # --- payments and the ledger --------------------------------------------------------------

    def payments(self) -> None:
        """One Payment and one balanced ``import`` ledger transaction per payment line:
        processor clearing pays the gross; the fee (``settings.fee_schedule`` over the pair's
        billings in time order, marketplace.md §6.2) goes to the platform's fees and the net to
        the freelancer — ``available`` when its 5 days have passed, else ``pending`` for the
        worker to mature like any release."""
        h, ids, cids = self.h, self.user_ids, self.contract_ids
        if not h.payments:
            return
        clearing = ledger.get_account(self.session, None, "processor_clearing").id
        fees = ledger.get_account(self.session, None, "fees").id
        freelancers = sorted({h.contracts[p.contract].freelancer for p in h.payments})
        kinds = ("freelancer_pending", "freelancer_available")
        account_rows = [
            {
                "key": ledger.account_key(ids[f], kind),
                "user_id": ids[f],
                "kind": kind,
                "created_at": self.now,
            }
            for f in freelancers
            for kind in kinds
        ]
        account_ids = self._insert_ids(LedgerAccount, account_rows)
        accounts = {
            (r["user_id"], r["kind"]): a for r, a in zip(account_rows, account_ids, strict=True)
        }

        schedule = self.settings.fee_schedule
        # With one tier the fee does not depend on the pair's earlier billings.
        check_schedule(schedule)
        flat_bp = schedule[0][1] if len(schedule) == 1 else None
        billed: dict[tuple[str, str], int] = defaultdict(int)
        plan: list[tuple[Any, int, int, int, datetime]] = []
        for p in sorted(h.payments, key=lambda r: (r.at, r.line)):
            c = h.contracts[p.contract]
            pair = (c.client, c.freelancer)
            if flat_bp is None:
                fee = service_fee(billed[pair], p.amount_cents, schedule).fee
            else:
                fee = flat_fee(p.amount_cents, flat_bp)
            billed[pair] += p.amount_cents
            available_at = p.at + AVAILABLE_AFTER
            plan.append((p, fee, ids[c.client], ids[c.freelancer], available_at))
        txn_ids = self._insert_ids(
            LedgerTransaction,
            [
                {
                    "at": p.at,
                    "kind": LEDGER_KIND,
                    "memo": f"Imported payment on contract {p.contract}"[:300],
                    "actor_id": None,
                    "contract_id": cids[p.contract],
                    "milestone_id": None,
                    "invoice_id": None,
                    "reference": f"import-line:{p.line}",
                }
                for p, *_ in plan
            ],
        )
        entries: list[dict[str, Any]] = []
        payments: list[dict[str, Any]] = []
        for (p, fee, client_id, freelancer_id, available_at), txn in zip(
            plan, txn_ids, strict=True
        ):
            available = available_at <= self.now
            net_account = accounts[
                (freelancer_id, "freelancer_available" if available else "freelancer_pending")
            ]
            entries.append(
                {"transaction_id": txn, "account_id": clearing, "amount": -p.amount_cents}
            )
            if p.amount_cents - fee:
                entries.append(
                    {
                        "transaction_id": txn,
                        "account_id": net_account,
                        "amount": p.amount_cents - fee,
                    }
                )
            if fee:
                entries.append({"transaction_id": txn, "account_id": fees, "amount": fee})
            payments.append(
                {
                    "contract_id": cids[p.contract],
                    "client_id": client_id,
                    "freelancer_id": freelancer_id,
                    "amount_cents": p.amount_cents,
                    "fee_cents": fee,
                    "at": p.at,
                    "milestone_id": None,
                    "invoice_id": None,
                    "memo": "Imported payment",
                    "available_at": available_at,
                    "release_txn_id": txn,
                    "available_txn_id": txn if available else None,
                }
            )
        self._insert(LedgerEntry, entries)
        self._insert(Payment, payments)

    # --- feedback -------------------------------------------------------------------------------

    def feedback(self) -> None:
        """The latest record per contract and side is the Feedback row (what pages show); the
        earlier ones are FeedbackRevision rows (reputation.md §6 reads them before then)."""
        h, ids, cids = self.h, self.user_ids, self.contract_ids
        groups: dict[tuple[str, str], list[FeedbackLine]] = defaultdict(list)
        for f in sorted(h.feedback, key=lambda r: (r.at, r.line)):
            groups[(f.contract, f.side)].append(f)
        latest = [records[-1] for records in groups.values()]
        self._insert(
            FeedbackRevision,
            [
                {
                    "contract_id": cids[f.contract],
                    "author_role": f.side,
                    "at": f.at,
                    "public_score": f.public_score,
                    "private_score": f.private_score,
                }
                for records in groups.values()
                for f in records[:-1]
            ],
        )
        rows = []
        for f in latest:
            c = h.contracts[f.contract]
            author, recipient = (
                (c.client, c.freelancer) if f.side == "client" else (c.freelancer, c.client)
            )
            rows.append(
                {
                    "contract_id": cids[f.contract],
                    "author_role": f.side,
                    "author_id": ids[author],
                    "recipient_id": ids[recipient],
                    "comment": "",
                    "imported": True,
                    "public_score": f.public_score,
                    "submitted_at": f.at,
                    "updated_at": f.at,
                    "reveal_at": f.at,
                    # Nobody is told of a reveal that happened before the import.
                    "reveal_notified_at": f.at,
                }
            )
        feedback_ids = self._insert_ids(Feedback, rows)
        self._insert(
            FeedbackPrivate,
            [
                {
                    "feedback_id": fid,
                    "likelihood": f.private_score,
                    "ending_reason": None,
                    "unprofessional": False,
                    "unprofessional_reason": "",
                }
                for f, fid in zip(latest, feedback_ids, strict=True)
                if f.private_score is not None
            ],
        )

    # --- disputes -------------------------------------------------------------------------------

    def disputes(self) -> None:
        h, ids, cids = self.h, self.user_ids, self.contract_ids
        paid: dict[str, int] = defaultdict(int)
        for p in h.payments:
            paid[p.contract] += p.amount_cents
        rows = []
        for d in h.disputes:
            c = h.contracts[d.contract]
            rows.append(
                {
                    "contract_id": cids[d.contract],
                    "client_id": ids[c.client],
                    "freelancer_id": ids[c.freelancer],
                    "subject_kind": "invoice" if c.kind == "hourly" else "milestone",
                    "milestone_id": None,
                    "escrow_return_id": None,
                    "invoice_id": None,
                    "open_key": None,
                    # The history does not say what was at stake: the contract's paid total.
                    "at_stake_cents": max(paid[d.contract], 1),
                    "reason": REASON,
                    "filed_at": d.decided_at,
                    "answer_due": d.decided_at,
                    "answer": "",
                    "answered_at": None,
                    "status": "decided",
                    "outcome": d.outcome,
                    "freelancer_cents": None,
                    "client_cents": None,
                    "decided_by_id": None,
                    "decided_at": d.decided_at,
                    "notes": REASON,
                }
            )
        self._insert(Dispute, rows)

    # --- proposals --------------------------------------------------------------------------------

    def proposals(self) -> None:
        """Each imported proposal answers its own closed job of one placeholder client account
        (a proposal needs a job, one per job and freelancer); see docs/import.md."""
        h = self.h
        if not h.proposals:
            return
        archive = self._archive_client()
        category = next(iter(CATEGORIES))
        records = sorted(h.proposals, key=lambda r: (r.at, r.line))
        job_ids = self._insert_ids(
            Job,
            [
                {
                    "client_id": archive,
                    "title": "Imported proposal",
                    "description": "A job that stands for a proposal of an imported history.",
                    "category": category,
                    "budget_type": "fixed",
                    "budget_cents": ARCHIVE_BUDGET_CENTS,
                    "hourly_min_cents": None,
                    "hourly_max_cents": None,
                    "duration": "lt1m",
                    "experience_level": "intermediate",
                    "visibility": "invite_only",
                    "status": "expired",
                    "connects_cost": ARCHIVE_CONNECTS_COST,
                    "posted_at": p.at,
                    "closed_at": p.at + JOB_EXPIRY,
                    "close_reason": REASON,
                    "first_hire_at": None,
                    "last_hire_at": None,
                    "keep_hiring": False,
                    "proposal_count": 1,
                }
                for p in records
            ],
        )
        self._insert(
            Proposal,
            [
                {
                    "job_id": job,
                    "freelancer_id": self.user_ids[p.user],
                    "cover_letter": "Imported proposal.",
                    "bid_cents": ARCHIVE_BUDGET_CENTS,
                    "status": "archived",
                    "connects_price": 0,
                    "invitation_id": None,
                    "boost_connects": 0,
                    "boost_placed_at": None,
                    "boost_state": "none",
                    "price_refunded_at": None,
                    "submitted_at": p.at,
                    "archived_at": p.at + JOB_EXPIRY,
                }
                for p, job in zip(records, job_ids, strict=True)
            ],
        )

    def _archive_client(self) -> int:
        found = self.session.scalar(select(User).where(User.handle == ARCHIVE_HANDLE))
        if found is not None:
            if found.email != _email(ARCHIVE_HANDLE):
                raise HistoryError(
                    0, "", f"the handle {ARCHIVE_HANDLE!r} belongs to another account"
                )
            return found.id
        archive = User(
            handle=ARCHIVE_HANDLE,
            email=_email(ARCHIVE_HANDLE),
            name="Imported history",
            country="US",
            password_hash=UNUSABLE_PASSWORD,
            role="client",
            staff_roles="",
            status="closed",
            created_at=self.now,
            email_verified_at=self.now,
            connects_plan="basic",
            failed_logins=0,
        )
        self.session.add(archive)
        self.session.flush()
        self.session.add(ClientProfile(user_id=archive.id))
        self.rows["users"] = self.rows.get("users", 0) + 1
        return archive.id


def flat_fee(amount_cents: int, basis_points: int) -> int:
    """``ledger.rules.service_fee`` for a one-tier schedule, in integers (its exact fee,
    rounded half up): the same for every amount, at a fraction of the cost."""
    return (amount_cents * basis_points * 2 + 10_000) // 20_000


def _email(uid: str) -> str:
    return f"{uid}@{EMAIL_DOMAIN}"


def _title(cid: str) -> str:
    return f"Imported contract {cid}"


def _why(status: str) -> str:
    return {
        "suspended": "client banned by the conduct program",
        "restricted": "client restricted by the conduct program",
        "on_hold": "account hold",
        "active": "back to active",
    }[status]
