"""Identity verification service (trust.md §2.2): storage, states, decisions, retention,
providers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import make_user
from tests.identity import samples
from tests.identity.conftest import (
    T0,
    all_files_under,
    stored_files,
    submission_count,
    submit,
)
from workhall.accounts.models import User
from workhall.audit.models import AuditEvent
from workhall.core import clock
from workhall.core.errors import Conflict, Forbidden, Unprocessable
from workhall.core.settings import Settings
from workhall.identity import providers, service, storage
from workhall.identity.files import Upload
from workhall.identity.providers import Evidence, Verdict
from workhall.notifications.models import Notification


def actions(db: Session) -> list[str]:
    """The identity and badge audit events, in order (sign-ups record their own)."""
    return [
        a
        for a in db.scalars(select(AuditEvent.action).order_by(AuditEvent.id))
        if a.startswith(("identity.", "badge.identity"))
    ]


def kinds(db: Session, user: User) -> list[str]:
    return list(db.scalars(select(Notification.kind).where(Notification.user_id == user.id)))


def test_files_are_stored_encrypted_under_random_names_in_the_data_folder(
    db: Session, settings: Settings, freelancer: User
) -> None:
    s = submit(db, settings, freelancer)
    assert s.status == "pending" and s.document_kind == "jpeg" and s.selfie_kind == "png"
    on_disk = all_files_under(settings.data_dir / "identity")
    assert [p.name for p in on_disk] == sorted([str(s.document_file), str(s.selfie_file)])
    for path in on_disk:
        assert storage.STORED_NAME.match(path.name)
        assert "passport" not in path.name and path.stem != "me"
        raw = path.read_bytes()
        assert not raw.startswith(b"\xff\xd8") and not raw.startswith(b"\x89PNG")
        assert b"JFIF" not in raw and b"IHDR" not in raw
        assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    # A decrypt round trip gives the re-encoded image, with the key from settings.
    key = settings.resolved_file_encryption_key()
    document = Fernet(key).decrypt(
        (storage.identity_dir(settings) / s.document_file).read_bytes()  # type: ignore[operator]
    )
    assert document.startswith(b"\xff\xd8\xff") and samples.CAMERA_MODEL.encode() not in document
    assert storage.read(settings, s.document_file) == document
    assert s.document_bytes == len(document)
    assert actions(db) == ["identity.submitted"]


def test_files_encrypted_with_another_key_are_not_served(
    db: Session, settings: Settings, freelancer: User
) -> None:
    s = submit(db, settings, freelancer)
    other = settings.model_copy(update={"file_encryption_key": Fernet.generate_key().decode()})
    with pytest.raises(Exception, match="cannot be decrypted"):
        storage.read(other, s.document_file)


@pytest.mark.parametrize(
    "changes",
    [
        {"document": Upload(samples.png(), "photo.pdf", "application/pdf")},  # PNG renamed .pdf
        {"document": Upload(samples.png() + b"PK\x03\x04" + b"\x00" * 26, "id.png")},
        {"document": Upload(samples.png(), "../../etc/passwd", "image/png")},
        {"selfie": Upload(samples.png(), "a\x00.png", "image/png")},
        {"selfie": Upload(samples.pdf(), "me.pdf")},
        {"document": Upload(b"x" * 200, "id.png")},
        {"document_type": "visa"},
        {"issuing_country": "ZZ"},
    ],
)
def test_a_refused_submission_stores_nothing(
    db: Session, settings: Settings, freelancer: User, changes: dict[str, object]
) -> None:
    with pytest.raises(Unprocessable):
        submit(db, settings, freelancer, **changes)
    assert stored_files(settings) == []
    assert [p.name for p in all_files_under(settings.data_dir.parent)] == []
    assert submission_count(db) == 0 and actions(db) == []


def test_an_oversized_file_is_refused(db: Session, settings: Settings, freelancer: User) -> None:
    small = settings.model_copy(update={"identity_max_file_bytes": 1000})
    with pytest.raises(Unprocessable, match="at most"):
        submit(db, small, freelancer)
    assert stored_files(settings) == [] and submission_count(db) == 0


def test_one_submission_in_review_at_a_time_and_none_after_approval(
    db: Session, settings: Settings, freelancer: User, reviewer: User
) -> None:
    first = submit(db, settings, freelancer)
    with pytest.raises(Conflict, match="in review"):
        submit(db, settings, freelancer)
    service.decide(db, settings, first.id, approve=False, reason="Blurry", reviewer=reviewer)
    second = submit(db, settings, freelancer)  # may resubmit after a rejection
    service.decide(db, settings, second.id, approve=True, reason=None, reviewer=reviewer)
    with pytest.raises(Conflict, match="already verified"):
        submit(db, settings, freelancer)
    assert submission_count(db) == 2


def test_approval_verifies_the_account_audits_and_notifies(
    db: Session, settings: Settings, freelancer: User, reviewer: User
) -> None:
    s = submit(db, settings, freelancer)
    clock.advance(timedelta(hours=3))
    service.decide(db, settings, s.id, approve=True, reason=None, reviewer=reviewer)
    db.refresh(freelancer)
    assert freelancer.identity_verified_at == T0 + timedelta(hours=3)
    assert (s.status, s.decided_by_id, s.pending_key) == ("approved", reviewer.id, None)
    assert actions(db) == ["identity.submitted", "identity.approved", "badge.identity_verified"]
    approved = db.scalars(select(AuditEvent).where(AuditEvent.action == "identity.approved")).one()
    assert approved.actor_id == reviewer.id and approved.data["user_id"] == freelancer.id
    assert kinds(db, freelancer) == ["identity_approved"]
    state = service.identity_state(db, freelancer)
    assert state.status == "verified" and not state.can_submit


def test_rejection_needs_a_reason_the_user_sees(
    db: Session, settings: Settings, freelancer: User, reviewer: User
) -> None:
    s = submit(db, settings, freelancer)
    with pytest.raises(Unprocessable, match="reason"):
        service.decide(db, settings, s.id, approve=False, reason="  ", reviewer=reviewer)
    with pytest.raises(Unprocessable, match="at most 500"):
        service.decide(db, settings, s.id, approve=False, reason="x" * 501, reviewer=reviewer)
    service.decide(
        db, settings, s.id, approve=False, reason="The name is cut off.", reviewer=reviewer
    )
    db.refresh(freelancer)
    assert freelancer.identity_verified_at is None
    state = service.identity_state(db, freelancer)
    assert state.status == "rejected" and state.can_submit
    assert state.latest is not None and state.latest.rejection_reason == "The name is cut off."
    assert kinds(db, freelancer) == ["identity_rejected"]
    with pytest.raises(Conflict, match="already rejected"):
        service.decide(db, settings, s.id, approve=True, reason=None, reviewer=reviewer)


@pytest.mark.parametrize("roles", ["", "support", "finance"])
def test_only_trust_and_safety_staff_decide_and_read(
    db: Session, settings: Settings, freelancer: User, roles: str
) -> None:
    s = submit(db, settings, freelancer)
    for someone in (make_user(db, settings, "staff", staff_roles=roles), freelancer):
        with pytest.raises(Forbidden):
            service.decide(db, settings, s.id, approve=True, reason=None, reviewer=someone)
        with pytest.raises(Forbidden):
            service.read_file(db, settings, someone, s.id, "document")
        with pytest.raises(Forbidden):
            service.staff_queue(db, someone)
    admin = make_user(db, settings, "staff", staff_roles="admin")
    assert service.read_file(db, settings, admin, s.id, "selfie").kind == "png"
    assert actions(db)[-1] == "identity.file_viewed"


def test_clients_may_verify_and_staff_may_not(db: Session, settings: Settings) -> None:
    client = make_user(db, settings, "client")
    assert submit(db, settings, client).status == "pending"
    staff = make_user(db, settings, "staff", staff_roles="trust_safety")
    with pytest.raises(Forbidden):
        submit(db, settings, staff)


def test_the_queue_is_oldest_first(db: Session, settings: Settings, reviewer: User) -> None:
    people = [make_user(db, settings) for _ in range(3)]
    made = []
    for person in people:
        made.append(submit(db, settings, person))
        clock.advance(timedelta(minutes=10))
    service.decide(db, settings, made[1].id, approve=True, reason=None, reviewer=reviewer)
    assert [s.id for s in service.staff_queue(db, reviewer)] == [made[0].id, made[2].id]


# --- retention ----------------------------------------------------------------------------------


def test_documents_are_deleted_30_days_after_the_decision_and_the_decision_remains(
    db: Session, settings: Settings, freelancer: User, reviewer: User
) -> None:
    s = submit(db, settings, freelancer)
    other = submit(db, settings, make_user(db, settings))  # stays pending: never deleted
    clock.advance(timedelta(days=2))
    service.decide(db, settings, s.id, approve=True, reason=None, reviewer=reviewer)
    decided = clock.utcnow()
    names = (s.document_file, s.selfie_file)

    clock.set_now(decided + timedelta(days=30) - timedelta(seconds=1))
    assert service.delete_due_documents(db, settings) == 0
    assert all((storage.identity_dir(settings) / n).exists() for n in names)  # type: ignore[operator]

    clock.set_now(decided + timedelta(days=30))
    assert service.delete_due_documents(db, settings) == 1
    db.refresh(s)
    assert not any((storage.identity_dir(settings) / n).exists() for n in names)  # type: ignore[operator]
    assert (s.document_file, s.selfie_file) == (None, None)
    assert s.documents_deleted_at == decided + timedelta(days=30)
    assert (s.status, s.decided_at, s.decided_by_id) == ("approved", decided, reviewer.id)
    assert s.document_type == "passport" and s.issuing_country == "GB"
    db.refresh(freelancer)
    assert freelancer.identity_verified_at == decided
    assert len(stored_files(settings)) == 2  # the pending submission's files stay
    assert other.document_file is not None
    with pytest.raises(Exception, match="deleted"):
        service.read_file(db, settings, reviewer, s.id, "document")

    clock.advance(timedelta(days=400))
    assert service.delete_due_documents(db, settings) == 0  # idempotent


def test_the_retention_task_runs_in_batches(
    db: Session, settings: Settings, reviewer: User
) -> None:
    from workhall.identity.tasks import TASKS

    made = [submit(db, settings, make_user(db, settings)) for _ in range(3)]
    for s in made:
        service.decide(db, settings, s.id, approve=False, reason="Expired ID", reviewer=reviewer)
    clock.advance(timedelta(days=31))
    assert service.delete_due_documents(db, settings, batch=2) == 2
    assert TASKS[0].fn(db, settings) == 1
    assert TASKS[0].fn(db, settings) == 0
    assert stored_files(settings) == []


def test_orphan_files_are_swept_once_old(db: Session, settings: Settings, freelancer: User) -> None:
    kept = submit(db, settings, freelancer)
    orphan = storage.store(settings, b"never committed")
    assert service.sweep_orphans(db, settings) == 0  # too recent (the clock is in the past)
    clock.set_now(clock.utcnow().replace(year=2100))
    assert service.sweep_orphans(db, settings) == 1
    left = {p.name for p in stored_files(settings)}
    assert orphan not in left and {kept.document_file, kept.selfie_file} <= left


# --- providers ----------------------------------------------------------------------------------


class FakeProvider:
    """An automated provider for tests: approves when the account name is on the "ID"."""

    name = "fake-auto"

    def __init__(self) -> None:
        self.seen: list[Evidence] = []

    def assess(self, evidence: Evidence) -> Verdict | None:
        self.seen.append(evidence)
        if evidence.account_name.startswith("Unsure"):
            return None
        if evidence.issuing_country == evidence.account_country:
            return Verdict(approved=True)
        return Verdict(approved=False, reason="The ID's country does not match the account.")


@pytest.fixture
def fake() -> Iterator[FakeProvider]:
    provider = FakeProvider()
    providers.register_provider(provider.name, lambda settings: provider)
    yield provider
    providers.unregister_provider(provider.name)


def test_an_automated_provider_can_approve_or_reject_at_once(
    db: Session, settings: Settings, fake: FakeProvider
) -> None:
    auto = settings.model_copy(update={"identity_provider": "fake-auto"})
    yes = make_user(db, settings, country="GB")
    no = make_user(db, settings, country="FR")
    unsure = make_user(db, settings, name="Unsure Person", country="GB")
    approved = submit(db, auto, yes)
    rejected = submit(db, auto, no)
    waiting = submit(db, auto, unsure)
    assert (approved.status, approved.provider, approved.decided_by_id) == (
        "approved",
        "fake-auto",
        None,
    )
    db.refresh(yes)
    assert yes.identity_verified_at == T0
    assert rejected.status == "rejected" and "country" in (rejected.rejection_reason or "")
    assert waiting.status == "pending"  # left to the staff queue
    assert [e.account_name for e in fake.seen] == [yes.name, no.name, unsure.name]
    assert fake.seen[0].document.startswith(b"\xff\xd8")  # the checked, decrypted file
    assert fake.seen[0].selfie_content_type == "image/png"


def test_the_default_provider_is_manual_and_an_unknown_one_is_a_configuration_error(
    db: Session, settings: Settings, freelancer: User
) -> None:
    assert settings.identity_provider == "manual"
    assert providers.provider_for(settings).assess(None) is None  # type: ignore[arg-type]
    broken = settings.model_copy(update={"identity_provider": "nobody"})
    with pytest.raises(RuntimeError, match="not registered"):
        providers.provider_for(broken)
