"""Identity verification writes and reads (trust.md §2.2). Functions never commit: the unit
of work around them (a request, a worker task) owns the one transaction.

Files are written to the encrypted store only after every check passed, so a refused upload
leaves nothing on disk or in the database. A write that fails after storing removes its files;
files of a transaction rolled back later are swept by the retention task (``sweep_orphans``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.audit.service import record
from workhall.core.clock import utcnow
from workhall.core.db import lock_row
from workhall.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from workhall.core.settings import Settings
from workhall.identity import files, rules, storage
from workhall.identity.models import IdentitySubmission
from workhall.identity.providers import Evidence, provider_for
from workhall.notifications.service import notify
from workhall.staff import access

SETTINGS_LINK = "/settings/verification"
# Files of a transaction that never committed are swept after this long (see module doc).
ORPHAN_AGE = timedelta(days=1)


@dataclass(frozen=True)
class IdentityState:
    """What the user's verification page and ``GET /me/identity`` show."""

    verified_at: datetime | None
    latest: IdentitySubmission | None
    can_submit: bool
    block: str | None

    @property
    def status(self) -> str:
        if self.verified_at is not None:
            return "verified"
        return self.latest.status if self.latest is not None else "not_submitted"


def is_reviewer(user: User) -> bool:
    """Trust & safety staff (admin passes too) review identity documents: the staff
    console's ``identity`` area, so its card and these checks cannot disagree."""
    return access.can(user, "identity")


def require_reviewer(user: User) -> User:
    if not is_reviewer(user):
        raise Forbidden("Identity documents are reviewed by trust & safety staff only.")
    return user


# --- reading ------------------------------------------------------------------------------------


def submissions_of(session: Session, user_id: int) -> list[IdentitySubmission]:
    """The user's submissions, newest first."""
    return list(
        session.scalars(
            select(IdentitySubmission)
            .where(IdentitySubmission.user_id == user_id)
            .order_by(IdentitySubmission.submitted_at.desc(), IdentitySubmission.id.desc())
        )
    )


def identity_state(session: Session, user: User) -> IdentityState:
    found = submissions_of(session, user.id)
    latest = found[0] if found else None
    verified = user.identity_verified_at is not None
    block = rules.submit_block(latest.status if latest else None, verified)
    if block is None and user.is_staff:
        block = "Staff accounts do not verify an identity here."
    return IdentityState(user.identity_verified_at, latest, block is None, block)


def staff_queue(session: Session, reviewer: User, limit: int = 200) -> list[IdentitySubmission]:
    """Pending submissions, the longest waiting first."""
    require_reviewer(reviewer)
    return list(
        session.scalars(
            select(IdentitySubmission)
            .where(IdentitySubmission.status == "pending")
            .order_by(IdentitySubmission.submitted_at, IdentitySubmission.id)
            .limit(limit)
        )
    )


def submission_for_reviewer(
    session: Session, reviewer: User, submission_id: int
) -> IdentitySubmission:
    require_reviewer(reviewer)
    found = session.get(IdentitySubmission, submission_id)
    if found is None:
        raise NotFound("There is no such identity submission.")
    return found


def read_file(
    session: Session, settings: Settings, reviewer: User, submission_id: int, which: str
) -> files.CleanFile:
    """A document or selfie, decrypted, for the review screen. Each view is audited."""
    submission = submission_for_reviewer(session, reviewer, submission_id)
    if which == "document":
        name, kind = submission.document_file, submission.document_kind
    elif which == "selfie":
        name, kind = submission.selfie_file, submission.selfie_kind
    else:
        raise NotFound("There is no such file.")
    data = storage.read(settings, name)
    record(
        session,
        "identity.file_viewed",
        "identity_submission",
        submission.id,
        actor_id=reviewer.id,
        file=which,
    )
    return files.CleanFile(kind, data)


# --- submitting ---------------------------------------------------------------------------------


def submit(
    session: Session,
    settings: Settings,
    user: User,
    *,
    document_type: str,
    issuing_country: str,
    document: files.Upload,
    selfie: files.Upload,
) -> IdentitySubmission:
    """Check and store a new submission; the configured provider may decide it at once.

    Locks the user's row: two submissions at once cannot both pass the "none pending" check
    (the unique ``pending_key`` index would refuse the second anyway).
    """
    if user.is_staff:
        raise Forbidden("Staff accounts do not verify an identity here.")
    for problem, field in (
        (rules.document_type_problem(document_type), "document_type"),
        (rules.country_problem(issuing_country), "issuing_country"),
    ):
        if problem:
            raise Unprocessable(problem, field=field)
    user = lock_row(session, User, user.id, "No such account.")
    block = identity_state(session, user).block
    if block:
        raise Conflict(block)
    max_bytes = settings.identity_max_file_bytes
    clean_document = files.clean_document(document, max_bytes)
    clean_selfie = files.clean_selfie(selfie, max_bytes)
    stored: list[str] = []
    try:
        stored.append(storage.store(settings, clean_document.data))
        stored.append(storage.store(settings, clean_selfie.data))
        submission = IdentitySubmission(
            user_id=user.id,
            status="pending",
            pending_key=user.id,
            document_type=document_type,
            issuing_country=issuing_country,
            document_kind=clean_document.kind,
            document_bytes=len(clean_document.data),
            document_file=stored[0],
            selfie_kind=clean_selfie.kind,
            selfie_bytes=len(clean_selfie.data),
            selfie_file=stored[1],
            submitted_at=utcnow(),
            provider=settings.identity_provider,
        )
        session.add(submission)
        session.flush()
    except BaseException:
        for name in stored:
            storage.delete(settings, name)
        raise
    record(
        session,
        "identity.submitted",
        "identity_submission",
        submission.id,
        actor_id=user.id,
        document_type=document_type,
        issuing_country=issuing_country,
        document_kind=clean_document.kind,
        selfie_kind=clean_selfie.kind,
    )
    provider = provider_for(settings)
    verdict = provider.assess(
        Evidence(
            submission_id=submission.id,
            account_name=user.name,
            account_country=user.country,
            document_type=document_type,
            issuing_country=issuing_country,
            document=clean_document.data,
            document_content_type=clean_document.content_type,
            selfie=clean_selfie.data,
            selfie_content_type=clean_selfie.content_type,
        )
    )
    if verdict is not None:
        decide(
            session,
            settings,
            submission.id,
            approve=verdict.approved,
            reason=verdict.reason,
            reviewer=None,
            provider=provider.name,
        )
    return submission


# --- deciding -----------------------------------------------------------------------------------


def decide(
    session: Session,
    settings: Settings,
    submission_id: int,
    *,
    approve: bool,
    reason: str | None,
    reviewer: User | None,
    provider: str = "manual",
) -> IdentitySubmission:
    """Approve (the name on the ID matches the account) or reject with a reason the user sees.

    ``reviewer`` is the trust & safety agent, or None for an automated provider's verdict.
    Locks the submission's row, then the user's: a submission is decided once.
    """
    if reviewer is not None:
        require_reviewer(reviewer)
    cleaned: str | None = None
    if not approve:
        cleaned, problem = rules.clean_reason(reason or "")
        if problem:
            raise Unprocessable(problem, field="reason")
    submission = lock_row(
        session, IdentitySubmission, submission_id, "There is no such identity submission."
    )
    if submission.status != "pending":
        raise Conflict(f"This submission was already {submission.status}.")
    user = lock_row(session, User, submission.user_id, "No such account.")
    now = utcnow()
    submission.status = "approved" if approve else "rejected"
    submission.pending_key = None
    submission.decided_at = now
    submission.decided_by_id = reviewer.id if reviewer is not None else None
    submission.provider = provider
    submission.rejection_reason = cleaned
    if approve:
        user.identity_verified_at = now
    record(
        session,
        "identity.approved" if approve else "identity.rejected",
        "identity_submission",
        submission.id,
        actor_id=reviewer.id if reviewer is not None else None,
        user_id=user.id,
        provider=provider,
        reason=cleaned,
    )
    if approve:
        record(
            session,
            "badge.identity_verified",
            "user",
            user.id,
            actor_id=reviewer.id if reviewer is not None else None,
        )
        notify(
            session,
            user,
            "identity_approved",
            "Your identity is verified: withdrawals and the Top Rated and Rising Talent "
            "programmes are open to you.",
            SETTINGS_LINK,
            base_url=settings.base_url,
        )
    else:
        notify(
            session,
            user,
            "identity_rejected",
            "Your identity documents were not accepted. See why and send new ones.",
            SETTINGS_LINK,
            email_body=f"Reason: {cleaned}",
            base_url=settings.base_url,
        )
    session.flush()
    return submission


# --- retention ----------------------------------------------------------------------------------


def delete_due_documents(session: Session, settings: Settings, batch: int = 200) -> int:
    """Delete the files of submissions decided at least the retention period ago.

    spec: trust.md §2.2 — "Documents are deleted 30 days after the decision; the decision and
    its metadata remain." Each row is claimed with a conditional UPDATE (``documents_deleted_at``
    still NULL), so two workers, or a re-run, delete each submission's files once.
    """
    now = utcnow()
    cutoff = now - timedelta(days=settings.identity_document_retention_days)
    due = session.execute(
        select(
            IdentitySubmission.id, IdentitySubmission.document_file, IdentitySubmission.selfie_file
        )
        .where(
            IdentitySubmission.documents_deleted_at.is_(None),
            IdentitySubmission.decided_at.is_not(None),
            IdentitySubmission.decided_at <= cutoff,
        )
        .order_by(IdentitySubmission.decided_at, IdentitySubmission.id)
        .limit(batch)
    ).all()
    done = 0
    for submission_id, document_file, selfie_file in due:
        claimed = session.execute(
            update(IdentitySubmission)
            .where(
                IdentitySubmission.id == submission_id,
                IdentitySubmission.documents_deleted_at.is_(None),
            )
            .values(documents_deleted_at=now, document_file=None, selfie_file=None)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        storage.delete(settings, document_file)
        storage.delete(settings, selfie_file)
        record(session, "identity.documents_deleted", "identity_submission", submission_id)
        done += 1
    return done


def sweep_orphans(session: Session, settings: Settings) -> int:
    """Remove stored files no submission refers to (a transaction rolled back after storing),
    once they are old enough that no request can still be committing them."""
    cutoff = (utcnow() - ORPHAN_AGE).timestamp()
    old = [name for name, mtime in storage.stored_names(settings) if mtime < cutoff]
    if not old:
        return 0
    referenced: set[str] = set()
    for start in range(0, len(old), 500):
        chunk = old[start : start + 500]
        for document_file, selfie_file in session.execute(
            select(IdentitySubmission.document_file, IdentitySubmission.selfie_file).where(
                or_(
                    IdentitySubmission.document_file.in_(chunk),
                    IdentitySubmission.selfie_file.in_(chunk),
                )
            )
        ):
            referenced.update(n for n in (document_file, selfie_file) if n)
    removed = 0
    for name in old:
        if name not in referenced:
            storage.delete(settings, name)
            removed += 1
    return removed
