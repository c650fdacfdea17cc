"""Phone verification service against the database (trust.md §2.1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_user
from tests.verification.conftest import (
    DE_MOBILE,
    GB_MOBILE,
    GB_MOBILE_2,
    T0,
    RecordingGateway,
    other_code,
    unverified,
)
from workhall.accounts.service import change_status, require_can_transact
from workhall.audit.models import AuditEvent
from workhall.core import clock
from workhall.core.errors import Conflict, Forbidden, NotFound, TooManyRequests, Unprocessable
from workhall.notifications.models import Notification
from workhall.verification import rules, service
from workhall.verification.models import PhoneCode, PhoneCodeAttempt, PhoneNumber

pytestmark = pytest.mark.usefixtures("frozen")


def send(db, settings, user, phone=GB_MOBILE, gateway=None, region=None):
    return service.send_code(
        db, settings, user, phone, gateway=gateway or RecordingGateway(), region=region
    )


def at(seconds: float) -> None:
    clock.set_now(T0 + timedelta(seconds=seconds))


# --- sending ---------------------------------------------------------------------------------


def test_send_stores_a_hashed_code_and_texts_it(db, settings, gateway):
    user = unverified(db, settings, country="GB")
    sent = send(db, settings, user, "07400 123456", gateway)
    assert sent.phone == GB_MOBILE
    assert sent.expires_at == T0 + timedelta(minutes=10)
    assert sent.resend_after == T0 + timedelta(seconds=60)
    assert gateway.sent[0][0] == GB_MOBILE
    code = gateway.last_code
    assert "valid for 10 minutes" in gateway.sent[0][1]
    # spec: "stored only as a hash" — the code appears in no column of the table.
    row = db.scalar(select(PhoneCode).where(PhoneCode.user_id == user.id))
    assert row is not None
    values = [str(getattr(row, c.key)) for c in PhoneCode.__table__.columns]
    assert not any(code in v for v in values)
    assert row.code_hash == rules.code_hash(
        settings.resolved_secret_key(), user_id=user.id, e164=GB_MOBILE, code=code
    )
    # Nothing is verified until the code comes back.
    assert user.phone_verified_at is None


def test_invalid_number_is_refused_and_nothing_is_stored(db, settings, gateway):
    user = unverified(db, settings, country="GB")
    for raw in ["12345", "020 7946 0000", "+1 800 555 0199", ""]:
        with pytest.raises(Unprocessable):
            send(db, settings, user, raw, gateway)
    assert gateway.sent == []
    assert db.scalar(select(PhoneCode.id)) is None


def test_sixty_seconds_between_sends(db, settings, gateway):
    user = unverified(db, settings)
    send(db, settings, user, gateway=gateway)
    at(59)
    with pytest.raises(TooManyRequests) as exc:
        send(db, settings, user, gateway=gateway)
    assert exc.value.retry_after == 1
    assert exc.value.extra["reason"] == rules.RESEND_TOO_SOON
    at(60)
    send(db, settings, user, gateway=gateway)
    assert len(gateway.sent) == 2


def test_five_codes_per_account_per_rolling_day(db, settings, gateway):
    user = unverified(db, settings)
    for i in range(5):
        at(i * 60)
        send(db, settings, user, GB_MOBILE if i % 2 else DE_MOBILE, gateway)
    at(5 * 60)
    with pytest.raises(TooManyRequests) as exc:
        send(db, settings, user, GB_MOBILE_2, gateway)  # any number: the limit is per account
    assert exc.value.extra["reason"] == rules.ACCOUNT_DAILY_LIMIT
    assert exc.value.retry_after == 24 * 3600 - 5 * 60
    at(24 * 3600)  # the first send leaves the window (T − 24 h, T]
    send(db, settings, user, GB_MOBILE_2, gateway)
    assert len(gateway.sent) == 6


def test_ten_codes_per_number_per_day_over_all_accounts(db, settings, gateway):
    first, second, third = (unverified(db, settings) for _ in range(3))
    for i in range(5):
        at(i * 60)
        send(db, settings, first, gateway=gateway)
        send(db, settings, second, gateway=gateway)
    at(5 * 60)
    with pytest.raises(TooManyRequests) as exc:
        send(db, settings, third, gateway=gateway)
    assert exc.value.extra["reason"] == rules.NUMBER_DAILY_LIMIT
    assert exc.value.retry_after == 24 * 3600 - 5 * 60
    send(db, settings, third, GB_MOBILE_2, gateway)  # another number is fine


def test_a_new_code_cancels_the_earlier_ones(db, settings, monkeypatch):
    codes = iter(["111111", "222222"])
    monkeypatch.setattr(rules, "new_code", lambda: next(codes))
    user = unverified(db, settings)
    send(db, settings, user)
    at(60)
    send(db, settings, user)
    with pytest.raises(Unprocessable) as exc:
        service.verify_code(db, settings, user, "111111")
    assert exc.value.extra["reason"] == "wrong_code"
    assert exc.value.extra["attempts_left"] == 4  # the old code counts as a wrong attempt
    service.verify_code(db, settings, user, "222222")
    assert user.phone_e164 == GB_MOBILE


# --- checking -------------------------------------------------------------------------------


def test_code_is_valid_until_just_before_ten_minutes(db, settings, gateway):
    user = unverified(db, settings)
    send(db, settings, user, gateway=gateway)
    at(599)
    service.verify_code(db, settings, user, gateway.last_code)
    assert user.phone_verified_at == T0 + timedelta(seconds=599)


def test_code_expires_at_ten_minutes_and_the_miss_is_not_counted(db, settings, gateway):
    user = unverified(db, settings)
    send(db, settings, user, gateway=gateway)
    at(600)
    with pytest.raises(Unprocessable) as exc:
        service.verify_code(db, settings, user, gateway.last_code)
    assert exc.value.extra == {"reason": "expired", "attempts_left": 5, "field": "code"}
    assert user.phone_verified_at is None


def test_a_code_works_once(db, settings, gateway):
    user = unverified(db, settings)
    send(db, settings, user, gateway=gateway)
    service.verify_code(db, settings, user, gateway.last_code)
    with pytest.raises(Unprocessable) as exc:
        service.verify_code(db, settings, user, gateway.last_code)
    assert exc.value.extra["reason"] == "no_code"


def test_five_wrong_attempts_then_even_the_right_code_is_refused(db, settings, gateway):
    user = unverified(db, settings)
    send(db, settings, user, gateway=gateway)
    right = gateway.last_code
    for left in (4, 3, 2, 1, 0):
        with pytest.raises(Unprocessable) as exc:
            service.verify_code(db, settings, user, other_code(right))
        assert exc.value.extra["attempts_left"] == left
    assert "no attempts are left" in exc.value.detail
    with pytest.raises(TooManyRequests) as throttled:
        service.verify_code(db, settings, user, right)  # the 6th, with the right code
    assert throttled.value.extra["reason"] == rules.ATTEMPTS_EXHAUSTED
    assert throttled.value.retry_after == 24 * 3600
    assert user.phone_verified_at is None
    # No new code either while no attempt is left (it could not be checked).
    at(120)
    with pytest.raises(TooManyRequests):
        send(db, settings, user, gateway=gateway)


def test_wrong_attempts_roll_off_after_24_hours(db, settings, gateway):
    user = unverified(db, settings)
    send(db, settings, user, gateway=gateway)
    for i in range(5):
        at(i)
        with pytest.raises(Unprocessable):
            service.verify_code(db, settings, user, other_code(gateway.last_code))
    at(24 * 3600)  # the first wrong attempt (at T0) leaves the window
    send(db, settings, user, gateway=gateway)
    assert service.phone_state(db, settings, user).attempts_left == 1
    service.verify_code(db, settings, user, gateway.last_code)
    assert user.phone_e164 == GB_MOBILE


def test_a_new_code_does_not_reset_the_failure_count(db, settings, gateway):
    user = unverified(db, settings)
    send(db, settings, user, gateway=gateway)
    for _ in range(3):
        with pytest.raises(Unprocessable):
            service.verify_code(db, settings, user, other_code(gateway.last_code))
    at(60)
    send(db, settings, user, gateway=gateway)
    assert service.phone_state(db, settings, user).attempts_left == 2
    for _ in range(2):
        with pytest.raises(Unprocessable):
            service.verify_code(db, settings, user, other_code(gateway.last_code))
    with pytest.raises(TooManyRequests):
        service.verify_code(db, settings, user, gateway.last_code)


def test_malformed_code_is_refused_without_counting(db, settings, gateway):
    user = unverified(db, settings)
    send(db, settings, user, gateway=gateway)
    for bad in ["12345", "1234567", "12a456", "١٢٣٤٥٦"]:  # the last: Arabic-Indic digits
        with pytest.raises(Unprocessable):
            service.verify_code(db, settings, user, bad)
    assert db.scalar(select(PhoneCodeAttempt.id)) is None


def test_success_verifies_the_account_and_is_audited(db, settings, gateway):
    user = unverified(db, settings)
    with pytest.raises(Forbidden):
        require_can_transact(settings, user, "send a proposal")
    send(db, settings, user, gateway=gateway)
    service.verify_code(db, settings, user, gateway.last_code)
    assert (user.phone_e164, user.phone_verified_at) == (GB_MOBILE, T0)
    require_can_transact(settings, user, "send a proposal")
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "phone.verified"))
    assert event is not None and event.subject_id == str(user.id)
    assert event.data == {"phone": GB_MOBILE, "previous": None}


def test_changing_number_keeps_the_old_one_until_the_new_is_verified(db, settings, gateway):
    user = unverified(db, settings)
    send(db, settings, user, gateway=gateway)
    service.verify_code(db, settings, user, gateway.last_code)
    at(60)
    with pytest.raises(Conflict):  # already this account's number
        send(db, settings, user, GB_MOBILE, gateway)
    send(db, settings, user, DE_MOBILE, gateway)
    state = service.phone_state(db, settings, user)
    assert (state.verified_phone, state.pending_phone) == (GB_MOBILE, DE_MOBILE)
    assert user.phone_e164 == GB_MOBILE and user.phone_verified_at == T0
    service.verify_code(db, settings, user, gateway.last_code)
    assert (user.phone_e164, user.phone_verified_at) == (DE_MOBILE, T0 + timedelta(seconds=60))
    note = db.scalar(select(Notification).where(Notification.user_id == user.id))
    assert note is not None and note.kind == "phone_changed"


# --- one verified account per number --------------------------------------------------------


def test_a_number_verified_elsewhere_is_refused(db, settings, gateway):
    owner, other = unverified(db, settings), unverified(db, settings)
    send(db, settings, owner, gateway=gateway)
    service.verify_code(db, settings, owner, gateway.last_code)
    with pytest.raises(Conflict) as exc:
        send(db, settings, other, gateway=gateway)
    assert exc.value.extra["reason"] == "number_taken"
    assert len(gateway.sent) == 1  # no SMS to a taken number


def test_the_second_account_to_enter_its_code_loses(db, settings):
    first, second = unverified(db, settings), unverified(db, settings)
    first_gw, second_gw = RecordingGateway(), RecordingGateway()
    send(db, settings, first, gateway=first_gw)
    send(db, settings, second, gateway=second_gw)
    service.verify_code(db, settings, first, first_gw.last_code)
    with pytest.raises(Conflict):
        service.verify_code(db, settings, second, second_gw.last_code)
    assert second.phone_verified_at is None


# --- support releases a number ----------------------------------------------------------------


def _verified_holder(db, settings, status: str):
    holder = unverified(db, settings)
    gw = RecordingGateway()
    send(db, settings, holder, gateway=gw)
    service.verify_code(db, settings, holder, gw.last_code)
    if status != "active":
        change_status(db, holder, status, actor=None, reason="test")
    return holder


@pytest.mark.parametrize("status", ["suspended", "closed"])
def test_support_releases_a_number_of_a_closed_or_suspended_account(db, settings, status):
    holder = _verified_holder(db, settings, status)
    agent = make_user(db, settings, "staff", staff_roles="support")
    released = service.release_number(db, agent, "+44 7400 123456", "Ticket 42: owner proved it")
    assert released == [holder]
    assert holder.phone_e164 is None and holder.phone_verified_at is None
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "phone.released"))
    assert event is not None and event.actor_id == agent.id
    assert event.data == {
        "phone": GB_MOBILE,
        "holder_status": status,
        "reason": "Ticket 42: owner proved it",
    }
    # The owner can now verify it on their new account.
    newcomer = unverified(db, settings)
    at(60)
    gw = RecordingGateway()
    send(db, settings, newcomer, gateway=gw)
    service.verify_code(db, settings, newcomer, gw.last_code)
    assert newcomer.phone_e164 == GB_MOBILE


@pytest.mark.parametrize("status", ["active", "on_hold", "restricted"])
def test_a_number_of_a_live_account_is_not_released(db, settings, status):
    holder = _verified_holder(db, settings, status)
    agent = make_user(db, settings, "staff", staff_roles="support")
    with pytest.raises(Conflict):
        service.release_number(db, agent, GB_MOBILE, "Owner asked for it")
    assert holder.phone_e164 == GB_MOBILE


def test_only_support_or_admin_may_release(db, settings):
    holder = _verified_holder(db, settings, "suspended")
    for actor in (
        make_user(db, settings, "staff", staff_roles="trust_safety"),
        make_user(db, settings, "client"),
        holder,
    ):
        with pytest.raises(Forbidden):
            service.release_number(db, actor, GB_MOBILE, "Owner asked for it")
    admin = make_user(db, settings, "staff", staff_roles="admin")
    assert service.release_number(db, admin, GB_MOBILE, "Owner asked for it") == [holder]


def test_release_input_is_checked(db, settings):
    _verified_holder(db, settings, "closed")
    agent = make_user(db, settings, "staff", staff_roles="support")
    with pytest.raises(Unprocessable):
        service.release_number(db, agent, GB_MOBILE, "why")  # reason too short
    with pytest.raises(Unprocessable):
        service.release_number(db, agent, "07400 123456", "Owner asked for it")  # not +…
    with pytest.raises(NotFound):
        service.release_number(db, agent, DE_MOBILE, "Owner asked for it")


# --- gateway failure and retention ---------------------------------------------------------


class FailingGateway:
    def send(self, to_e164: str, text: str) -> None:
        from workhall.verification.sms import SmsDeliveryError

        raise SmsDeliveryError("HTTP 500")


def test_gateway_failure_raises_a_friendly_problem(db, settings):
    user = unverified(db, settings)
    with pytest.raises(service.SmsUnavailable) as exc:
        send(db, settings, user, gateway=FailingGateway())
    assert exc.value.status == 503
    assert "try again" in exc.value.detail


def test_purge_removes_old_codes_attempts_and_unused_numbers(db, settings, gateway):
    user = unverified(db, settings)
    send(db, settings, user, DE_MOBILE, gateway)
    with pytest.raises(Unprocessable):
        service.verify_code(db, settings, user, other_code(gateway.last_code))
    at(60)
    send(db, settings, user, GB_MOBILE, gateway)
    service.verify_code(db, settings, user, gateway.last_code)
    at(31 * 24 * 3600)
    assert service.purge_old_codes(db, settings) == 2 + 2 + 1  # attempts, codes, DE number
    assert db.scalar(select(PhoneCode.id)) is None
    assert list(db.scalars(select(PhoneNumber.e164))) == [GB_MOBILE]  # still a user's number
