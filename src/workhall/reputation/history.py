"""The history import format (interfaces.md §3): streaming parse, validation, and the facts.

``parse_history(lines)`` reads JSON Lines one line at a time into plain records and checks
every line as it comes (JSON, type, fields, types, times, ranges, lengths, duplicate ids);
references between lines may come in any order, so they are resolved once the whole file is
read, and a bad one is reported with the line number of the line that refers. The first
problem found stops the parse with ``HistoryError(line, field, message)``.

``to_facts(history)`` turns a parsed history into the reputation facts
(``reputation.facts``), keyed by the history's ids — the "computed directly by the pure
functions" path that the import (``reputation.importer``) is checked against.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

from workhall.reputation.facts import (
    ClientStatuses,
    ContractHistory,
    DisputeDecision,
    FeedbackRecord,
    FreelancerHistory,
    Hold,
)

NAME_MAX = 100
ID_MAX = 40
# spec is silent on the largest payment; a bound keeps sums far from 64-bit limits.
AMOUNT_MAX_CENTS = 100_000_000_000  # $1,000,000,000
# spec: interfaces.md §3 — "a payment ... more than 30 days after its end" is refused.
PAYMENT_AFTER_END = timedelta(days=30)

ROLES = ("freelancer", "client")
VERIFICATION_KINDS = ("phone", "identity")
CONTRACT_KINDS = ("fixed", "hourly")
FEEDBACK_SIDES = ("client", "freelancer")
OUTCOMES = ("freelancer_won", "client_won", "split")
CLIENT_STATUSES = ("active", "restricted", "banned")

# A user's id becomes its public handle (in page addresses), so it keeps to safe characters.
_HANDLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
_COUNTRY = re.compile(r"[A-Za-z]{2}\Z")
# ISO 8601 in UTC with the Z suffix: date, hours and minutes, optional seconds and fraction.
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?Z\Z")


class HistoryError(ValueError):
    """Bad input at ``line`` (1-based), in ``field`` ("" when the whole line is wrong)."""

    def __init__(self, line: int, field: str, message: str) -> None:
        super().__init__(f"line {line}: {field + ': ' if field else ''}{message}")
        self.line = line
        self.field = field
        self.message = message

    def describe(self, file: str) -> str:
        """The one-line message of the command line: ``FILE:LINE: field: message``."""
        where = f"{file}:{self.line}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


# --- records ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UserRecord:
    line: int
    id: str
    role: str
    name: str
    country: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ProfileRecord:
    line: int
    user: str
    at: datetime
    completeness: int


@dataclass(frozen=True, slots=True)
class VerificationRecord:
    line: int
    user: str
    kind: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ReadinessRecord:
    line: int
    user: str
    at: datetime
    passed: bool


@dataclass(frozen=True, slots=True)
class HoldRecord:
    line: int
    user: str
    starts_at: datetime
    ends_at: datetime | None


@dataclass(frozen=True, slots=True)
class ContractRecord:
    line: int
    id: str
    client: str
    freelancer: str
    kind: str
    started_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    line: int
    contract: str
    at: datetime
    amount_cents: int


@dataclass(frozen=True, slots=True)
class FeedbackLine:
    line: int
    contract: str
    side: str  # the author: client | freelancer (the format's "from")
    at: datetime
    public_score: Decimal | None
    private_score: int | None


@dataclass(frozen=True, slots=True)
class DisputeRecord:
    line: int
    contract: str
    decided_at: datetime
    outcome: str


@dataclass(frozen=True, slots=True)
class ProposalRecord:
    line: int
    user: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ClientStatusRecord:
    line: int
    user: str
    at: datetime
    status: str


@dataclass(slots=True)
class History:
    """A validated history: users and contracts by id, everything else in file order."""

    users: dict[str, UserRecord] = field(default_factory=dict)
    contracts: dict[str, ContractRecord] = field(default_factory=dict)
    profiles: list[ProfileRecord] = field(default_factory=list)
    verifications: list[VerificationRecord] = field(default_factory=list)
    readiness: list[ReadinessRecord] = field(default_factory=list)
    holds: list[HoldRecord] = field(default_factory=list)
    payments: list[PaymentRecord] = field(default_factory=list)
    feedback: list[FeedbackLine] = field(default_factory=list)
    disputes: list[DisputeRecord] = field(default_factory=list)
    proposals: list[ProposalRecord] = field(default_factory=list)
    client_statuses: list[ClientStatusRecord] = field(default_factory=list)
    lines: int = 0  # lines read, blank ones included

    def counts(self) -> dict[str, int]:
        return {
            "user": len(self.users),
            "profile": len(self.profiles),
            "verification": len(self.verifications),
            "readiness_test": len(self.readiness),
            "hold": len(self.holds),
            "contract": len(self.contracts),
            "payment": len(self.payments),
            "feedback": len(self.feedback),
            "dispute": len(self.disputes),
            "proposal": len(self.proposals),
            "client_status": len(self.client_statuses),
        }


# --- reading one line -------------------------------------------------------------------------

FIELDS: dict[str, tuple[str, ...]] = {
    "user": ("id", "role", "name", "country", "created_at"),
    "profile": ("user", "at", "completeness"),
    "verification": ("user", "kind", "at"),
    "readiness_test": ("user", "at", "passed"),
    "hold": ("user", "from", "until"),
    "contract": ("id", "client", "freelancer", "kind", "started_at", "ended_at"),
    "payment": ("contract", "at", "amount_cents"),
    "feedback": ("contract", "from", "at", "public_score", "private_score"),
    "dispute": ("contract", "decided_at", "outcome"),
    "proposal": ("user", "at"),
    "client_status": ("user", "at", "status"),
}


class _Line:
    """Typed access to one object's fields; each getter raises HistoryError naming the field."""

    __slots__ = ("n", "obj")

    def __init__(self, n: int, obj: dict[str, Any]) -> None:
        self.n = n
        self.obj = obj

    def fail(self, name: str, message: str) -> HistoryError:
        return HistoryError(self.n, name, message)

    def text(self, name: str, max_len: int) -> str:
        value = self.obj[name]
        if not isinstance(value, str):
            raise self.fail(name, f"must be a string, not {_kind(value)}")
        if not value.strip():
            raise self.fail(name, "must not be empty")
        if len(value) > max_len:
            raise self.fail(name, f"is longer than {max_len} characters")
        return value

    def ref(self, name: str) -> str:
        return self.text(name, ID_MAX)

    def choice(self, name: str, values: tuple[str, ...]) -> str:
        value = self.obj[name]
        if not isinstance(value, str):
            raise self.fail(name, f"must be a string, not {_kind(value)}")
        if value not in values:
            raise self.fail(name, f"must be one of {', '.join(values)}, not {value!r}")
        return value

    def time(self, name: str) -> datetime:
        value = self.obj[name]
        if not isinstance(value, str):
            raise self.fail(name, f"must be a time string, not {_kind(value)}")
        if not _TIME.match(value):
            raise self.fail(name, f"{value[:40]!r} is not an ISO 8601 time in UTC ending in Z")
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise self.fail(name, f"{value!r} is not a valid time") from None

    def opt_time(self, name: str) -> datetime | None:
        return None if self.obj[name] is None else self.time(name)

    def integer(self, name: str, low: int, high: int) -> int:
        value = self.obj[name]
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, f"must be a whole number, not {_kind(value)}")
        if not low <= value <= high:
            raise self.fail(name, f"{value} is out of range ({low}–{high})")
        return value

    def boolean(self, name: str) -> bool:
        value = self.obj[name]
        if not isinstance(value, bool):
            raise self.fail(name, f"must be true or false, not {_kind(value)}")
        return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | Decimal):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _public_score(line: _Line) -> Decimal | None:
    value = line.obj["public_score"]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise line.fail("public_score", f"must be a number or null, not {_kind(value)}")
    score = Decimal(value)
    try:
        exact = score.quantize(Decimal("0.01")) == score
    except InvalidOperation:
        exact = False
    if not exact:
        raise line.fail("public_score", f"{value} has more than two decimals")
    if not Decimal(1) <= score <= Decimal(5):
        raise line.fail("public_score", f"{value} is out of range (1–5)")
    return score.quantize(Decimal("0.01"))


def _private_score(line: _Line) -> int | None:
    if line.obj["private_score"] is None:
        return None
    return line.integer("private_score", 0, 10)


def _read_line(n: int, raw: str, history: History) -> None:
    try:
        obj = json.loads(raw, parse_float=Decimal)
    except (ValueError, RecursionError) as exc:
        raise HistoryError(n, "", f"not valid JSON ({str(exc)[:80]})") from None
    if not isinstance(obj, dict):
        raise HistoryError(n, "", f"must be a JSON object, not {_kind(obj)}")
    kind = obj.get("type")
    if not isinstance(kind, str) or kind not in FIELDS:
        if "type" not in obj:
            raise HistoryError(n, "type", "missing field")
        shown = repr(kind)[:40]
        raise HistoryError(n, "type", f"unknown type {shown} (one of {', '.join(FIELDS)})")
    names = FIELDS[kind]
    for name in names:
        if name not in obj:
            raise HistoryError(n, name, f"missing field (a {kind} line has {', '.join(names)})")
    for name in obj:
        if name != "type" and name not in names:
            raise HistoryError(n, str(name)[:40], f"unknown field for a {kind} line")
    line = _Line(n, obj)
    _READERS[kind](line, history)


def _user(line: _Line, h: History) -> None:
    uid = line.ref("id")
    if not _HANDLE.match(uid):
        raise line.fail("id", "a user id uses letters, digits, '.', '_' and '-' only")
    country = line.obj["country"]
    if not isinstance(country, str) or not _COUNTRY.match(country):
        raise line.fail("country", "must be a two-letter country code")
    rec = UserRecord(
        line.n,
        uid,
        line.choice("role", ROLES),
        line.text("name", NAME_MAX).strip(),
        country.upper(),
        line.time("created_at"),
    )
    if uid in h.users:
        raise line.fail("id", f"duplicate user id {uid!r} (first on line {h.users[uid].line})")
    h.users[uid] = rec


def _profile(line: _Line, h: History) -> None:
    h.profiles.append(
        ProfileRecord(
            line.n, line.ref("user"), line.time("at"), line.integer("completeness", 0, 100)
        )
    )


def _verification(line: _Line, h: History) -> None:
    h.verifications.append(
        VerificationRecord(
            line.n, line.ref("user"), line.choice("kind", VERIFICATION_KINDS), line.time("at")
        )
    )


def _readiness(line: _Line, h: History) -> None:
    h.readiness.append(
        ReadinessRecord(line.n, line.ref("user"), line.time("at"), line.boolean("passed"))
    )


def _hold(line: _Line, h: History) -> None:
    starts, ends = line.time("from"), line.opt_time("until")
    if ends is not None and ends < starts:
        raise line.fail("until", "is before from")
    h.holds.append(HoldRecord(line.n, line.ref("user"), starts, ends))


def _contract(line: _Line, h: History) -> None:
    cid = line.ref("id")
    rec = ContractRecord(
        line.n,
        cid,
        line.ref("client"),
        line.ref("freelancer"),
        line.choice("kind", CONTRACT_KINDS),
        line.time("started_at"),
        line.opt_time("ended_at"),
    )
    if rec.ended_at is not None and rec.ended_at < rec.started_at:
        raise line.fail("ended_at", "is before started_at")
    if cid in h.contracts:
        raise line.fail(
            "id", f"duplicate contract id {cid!r} (first on line {h.contracts[cid].line})"
        )
    h.contracts[cid] = rec


def _payment(line: _Line, h: History) -> None:
    h.payments.append(
        PaymentRecord(
            line.n,
            line.ref("contract"),
            line.time("at"),
            line.integer("amount_cents", 1, AMOUNT_MAX_CENTS),
        )
    )


def _feedback(line: _Line, h: History) -> None:
    h.feedback.append(
        FeedbackLine(
            line.n,
            line.ref("contract"),
            line.choice("from", FEEDBACK_SIDES),
            line.time("at"),
            _public_score(line),
            _private_score(line),
        )
    )


def _dispute(line: _Line, h: History) -> None:
    h.disputes.append(
        DisputeRecord(
            line.n, line.ref("contract"), line.time("decided_at"), line.choice("outcome", OUTCOMES)
        )
    )


def _proposal(line: _Line, h: History) -> None:
    h.proposals.append(ProposalRecord(line.n, line.ref("user"), line.time("at")))


def _client_status(line: _Line, h: History) -> None:
    h.client_statuses.append(
        ClientStatusRecord(
            line.n, line.ref("user"), line.time("at"), line.choice("status", CLIENT_STATUSES)
        )
    )


_READERS = {
    "user": _user,
    "profile": _profile,
    "verification": _verification,
    "readiness_test": _readiness,
    "hold": _hold,
    "contract": _contract,
    "payment": _payment,
    "feedback": _feedback,
    "dispute": _dispute,
    "proposal": _proposal,
    "client_status": _client_status,
}


# --- the whole file ---------------------------------------------------------------------------


def parse_history(lines: Iterable[str | bytes]) -> History:
    """Read and validate a history; raises HistoryError at the first problem.

    Lines may be text or UTF-8 bytes. Blank lines are skipped (they still count in line
    numbers). Problems inside a line are found while reading it; references, roles and payment
    times once every line is read, and the one on the earliest line is reported."""
    history = History()
    n = 0
    for n, raw in enumerate(lines, start=1):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise HistoryError(n, "", f"not UTF-8 text ({exc.reason})") from None
        if raw.strip():
            _read_line(n, raw, history)
    history.lines = n
    errors = list(_cross_checks(history))
    if errors:
        raise min(errors, key=lambda e: e.line)
    return history


def parse_file(path: Path) -> History:
    """``parse_history`` over a file, streamed line by line."""
    with path.open("rb") as handle:
        return parse_history(handle)


def _cross_checks(h: History) -> Iterator[HistoryError]:
    users, contracts = h.users, h.contracts

    def user(line: int, field: str, uid: str, role: str | None) -> HistoryError | None:
        found = users.get(uid)
        if found is None:
            return HistoryError(line, field, f"unknown user {uid!r}")
        if role is not None and found.role != role:
            return HistoryError(line, field, f"user {uid!r} is a {found.role}, not a {role}")
        return None

    checks: list[HistoryError | None] = []
    checks += [user(r.line, "user", r.user, "freelancer") for r in h.profiles]
    checks += [user(r.line, "user", r.user, None) for r in h.verifications]
    checks += [user(r.line, "user", r.user, "freelancer") for r in h.readiness]
    checks += [user(r.line, "user", r.user, None) for r in h.holds]
    checks += [user(r.line, "user", r.user, "freelancer") for r in h.proposals]
    checks += [user(r.line, "user", r.user, "client") for r in h.client_statuses]
    for c in contracts.values():
        checks += [user(c.line, "client", c.client, "client")]
        checks += [user(c.line, "freelancer", c.freelancer, "freelancer")]
    refs: list[PaymentRecord | FeedbackLine | DisputeRecord] = [
        *h.payments,
        *h.feedback,
        *h.disputes,
    ]
    for r in refs:
        if r.contract not in contracts:
            checks.append(HistoryError(r.line, "contract", f"unknown contract {r.contract!r}"))
    for p in h.payments:
        found = contracts.get(p.contract)
        if found is None:
            continue
        c = found
        if p.at < c.started_at:
            checks.append(HistoryError(p.line, "at", f"is before contract {c.id!r} started"))
        elif c.ended_at is not None and p.at > c.ended_at + PAYMENT_AFTER_END:
            checks.append(
                HistoryError(p.line, "at", f"is more than 30 days after contract {c.id!r} ended")
            )
    yield from (e for e in checks if e is not None)


# --- facts ------------------------------------------------------------------------------------


def to_facts(history: History) -> tuple[dict[str, FreelancerHistory], ClientStatuses]:
    """The reputation facts of a parsed history (reputation.md §1.1, §2.2, §3.1, §6), keyed by
    the history's ids; every sequence sorted by time (ties: file order)."""
    by_line = sorted  # records are appended in file order; sorting by (time, line) is stable

    payments: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for p in by_line(history.payments, key=lambda r: (r.at, r.line)):
        payments[p.contract].append((p.at, p.amount_cents))
    feedback: dict[str, list[FeedbackRecord]] = defaultdict(list)
    for f in by_line(history.feedback, key=lambda r: (r.at, r.line)):
        if f.side == "client":  # spec: reputation.md §6 — only the client's feedback counts
            public = None if f.public_score is None else Fraction(f.public_score)
            feedback[f.contract].append(FeedbackRecord(f.at, public, f.private_score))
    disputes: dict[str, list[DisputeDecision]] = defaultdict(list)
    for d in by_line(history.disputes, key=lambda r: (r.decided_at, r.line)):
        disputes[d.contract].append(DisputeDecision(d.decided_at, d.outcome))

    contracts: dict[str, list[ContractHistory]] = defaultdict(list)
    for c in sorted(history.contracts.values(), key=lambda r: (r.started_at, r.line)):
        contracts[c.freelancer].append(
            ContractHistory(
                id=c.id,
                client=c.client,
                started_at=c.started_at,
                ended_at=c.ended_at,
                payments=tuple(payments.get(c.id, ())),
                client_feedback=tuple(feedback.get(c.id, ())),
                disputes=tuple(disputes.get(c.id, ())),
            )
        )
    proposals: dict[str, list[datetime]] = defaultdict(list)
    for pr in history.proposals:
        proposals[pr.user].append(pr.at)
    completeness: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for pf in by_line(history.profiles, key=lambda r: (r.at, r.line)):
        completeness[pf.user].append((pf.at, pf.completeness))
    verified: dict[tuple[str, str], datetime] = {}
    for v in history.verifications:
        key = (v.user, v.kind)
        if key not in verified or v.at < verified[key]:
            verified[key] = v.at
    passed: dict[str, datetime] = {}
    for t in history.readiness:
        if t.passed and (t.user not in passed or t.at < passed[t.user]):
            passed[t.user] = t.at
    holds: dict[str, list[Hold]] = defaultdict(list)
    for hd in by_line(history.holds, key=lambda r: (r.starts_at, r.line)):
        holds[hd.user].append(Hold(hd.starts_at, hd.ends_at))

    freelancers: dict[str, FreelancerHistory] = {}
    for u in history.users.values():
        if u.role != "freelancer":
            continue
        freelancers[u.id] = FreelancerHistory(
            key=u.id,
            handle=u.id,
            created_at=u.created_at,
            contracts=tuple(contracts.get(u.id, ())),
            proposals=tuple(sorted(proposals.get(u.id, ()))),
            completeness=tuple(completeness.get(u.id, ())),
            phone_verified_at=verified.get((u.id, "phone")),
            identity_verified_at=verified.get((u.id, "identity")),
            readiness_passed_at=passed.get(u.id),
            holds=tuple(holds.get(u.id, ())),
        )
    changes: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for s in by_line(history.client_statuses, key=lambda r: (r.at, r.line)):
        changes[s.user].append((s.at, s.status))
    statuses = ClientStatuses(changes={k: tuple(v) for k, v in changes.items()})
    return freelancers, statuses
