"""Workshops (reputation.md §2.5 "events with a capacity that only Top Rated freelancers can
register for; waiting list"): creation rules, registration and the waiting list, promotion on
cancel with a notification, who sees the online link, and the pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.community.conftest import count, make_staff, make_top_rated
from tests.factories import make_client, make_freelancer, sign_in_browser
from workhall.community import workshops
from workhall.community.models import Workshop, WorkshopRegistration
from workhall.community.workshops import Seat, WorkshopDraft
from workhall.core import clock
from workhall.core.errors import Conflict, Forbidden, Unprocessable
from workhall.notifications.models import Notification

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
LINK = "https://meet.example.com/pricing"


def draft(**changes: object) -> WorkshopDraft:
    fields: dict[str, object] = {
        "title": "Pricing for Top Rated freelancers",
        "description": "How to raise your rate without losing clients.",
        "starts_at": T0 + timedelta(days=7),
        "duration_minutes": 60,
        "capacity": 2,
        "online_link": LINK,
    }
    fields.update(changes)
    return WorkshopDraft(**fields)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _frozen():
    clock.set_now(T0)


@pytest.fixture
def workshop(db, settings) -> Workshop:
    return workshops.create_workshop(db, make_staff(db, settings, "support"), draft())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"starts_at": T0}, "future"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": 501}, "capacity"),
        ({"duration_minutes": 5}, "duration"),
        ({"title": ""}, "title"),
        ({"title": "x" * 151}, "150"),
        ({"online_link": "javascript:alert(1)"}, "https"),
        ({"description": "x" * 5001}, "5,000"),
    ],
)
def test_bad_workshops_are_refused(db, settings, changes, message):
    staff = make_staff(db, settings, "admin")
    with pytest.raises(Unprocessable, match=message):
        workshops.create_workshop(db, staff, draft(**changes))
    assert count(db, Workshop) == 0


def test_capacity_bounds_are_accepted(db, settings):
    staff = make_staff(db, settings, "support")
    assert workshops.create_workshop(db, staff, draft(capacity=1)).capacity == 1
    assert workshops.create_workshop(db, staff, draft(capacity=500)).capacity == 500


def test_only_support_or_admin_create(db, settings):
    for outsider in (make_staff(db, settings, "trust_safety"), make_top_rated(db, settings)):
        with pytest.raises(Forbidden):
            workshops.create_workshop(db, outsider, draft())


def test_only_top_rated_freelancers_register(db, settings, workshop):
    for outsider in (
        make_freelancer(db, settings),
        make_client(db, settings),
        make_staff(db, settings, "admin"),
    ):
        with pytest.raises(Forbidden):
            workshops.register(db, outsider, workshop.id)
    assert count(db, WorkshopRegistration) == 0


def test_waiting_list_in_order_and_promotion_on_cancel(db, settings, workshop):
    a, b, c, d = (make_top_rated(db, settings) for _ in range(4))
    assert workshops.register(db, a, workshop.id) == Seat("registered")
    assert workshops.register(db, b, workshop.id) == Seat("registered")
    clock.set_now(T0 + timedelta(minutes=1))
    assert workshops.register(db, c, workshop.id) == Seat("waiting", 1)
    clock.set_now(T0 + timedelta(minutes=2))
    assert workshops.register(db, d, workshop.id) == Seat("waiting", 2)
    with pytest.raises(Conflict):
        workshops.register(db, a, workshop.id)
    promoted = workshops.cancel(db, a, workshop.id)
    assert promoted is not None and promoted.user_id == c.id
    assert workshops.seat_of(db, c, workshop.id) == Seat("registered")
    assert workshops.seat_of(db, d, workshop.id) == Seat("waiting", 1)
    assert workshops.seat_of(db, a, workshop.id) is None
    note = db.scalar(select(Notification).where(Notification.user_id == c.id))
    assert note is not None and note.link == f"/workshops/{workshop.id}"
    # leaving the waiting list promotes nobody; coming back goes to the end of the line
    assert workshops.cancel(db, d, workshop.id) is None
    assert workshops.register(db, a, workshop.id) == Seat("waiting", 1)
    assert workshops.registered_count(db, workshop.id) == 2


def test_link_only_for_registered_and_editors(db, settings, workshop):
    a, b, c = (make_top_rated(db, settings) for _ in range(3))
    for u in (a, b, c):
        workshops.register(db, u, workshop.id)
    assert workshops.can_see_link(db, a, workshop.id)
    assert not workshops.can_see_link(db, c, workshop.id)  # waiting
    assert workshops.can_see_link(db, make_staff(db, settings, "support"), workshop.id)
    assert not workshops.can_see_link(db, make_staff(db, settings, "trust_safety"), workshop.id)


def test_no_registration_once_started(db, settings, workshop):
    a = make_top_rated(db, settings)
    clock.set_now(workshop.starts_at)
    with pytest.raises(Conflict):
        workshops.register(db, a, workshop.id)
    with pytest.raises(Conflict):
        workshops.cancel(db, a, workshop.id)


# --- pages ---------------------------------------------------------------------------------------


def test_pages_access_matrix(db, settings, client, workshop):
    db.commit()
    assert client.get("/workshops").status_code == 403  # anonymous: the explanation page
    for user in (make_freelancer(db, settings), make_client(db, settings)):
        csrf = sign_in_browser(client, db, settings, user)
        page = client.get(f"/workshops/{workshop.id}")
        assert page.status_code == 403 and LINK not in page.text
        assert "Workshops" in page.text
        r = client.post(f"/workshops/{workshop.id}/register", data={"csrf_token": csrf})
        assert r.status_code == 403
    assert count(db, WorkshopRegistration) == 0
    sign_in_browser(client, db, settings, make_staff(db, settings, "trust_safety"))
    page = client.get(f"/workshops/{workshop.id}")
    assert page.status_code == 200 and LINK not in page.text
    assert client.get("/staff/workshops").status_code == 403


def test_register_see_status_and_link(db, settings, client, workshop):
    first, second = make_top_rated(db, settings), make_top_rated(db, settings)
    workshops.register(db, first, workshop.id)
    workshops.register(db, second, workshop.id)
    me = make_top_rated(db, settings)
    csrf = sign_in_browser(client, db, settings, me)
    page = client.get("/workshops")
    assert page.status_code == 200 and "Pricing for Top Rated" in page.text and "Full" in page.text
    page = client.get(f"/workshops/{workshop.id}")
    assert LINK not in page.text and "Join the waiting list" in page.text
    r = client.post(
        f"/workshops/{workshop.id}/register", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    page = client.get(f"/workshops/{workshop.id}")
    assert "Waiting #1" in page.text and "#1</strong> on the waiting list" in page.text
    workshops.cancel(db, first, workshop.id)
    db.commit()
    page = client.get(f"/workshops/{workshop.id}")
    assert "Registered" in page.text and LINK in page.text


def test_staff_create_page(db, settings, client):
    csrf = sign_in_browser(client, db, settings, make_staff(db, settings, "support"))
    form = {
        "csrf_token": csrf,
        "title": "Proposals that win",
        "description": "A live review of real proposals.",
        "starts_at": "2026-12-01T16:00",
        "duration": "90",
        "capacity": "25",
        "online_link": LINK,
    }
    r = client.post("/staff/workshops", data={**form, "capacity": "600"})
    assert r.status_code == 400 and "capacity is 1 to 500" in r.text
    r = client.post("/staff/workshops", data={**form, "starts_at": "2026-11-01T16:00"})
    assert r.status_code == 400 and "future" in r.text
    r = client.post("/staff/workshops", data={**form, "duration": "abc"})
    assert r.status_code == 400 and count(db, Workshop) == 0
    r = client.post("/staff/workshops", data=form, follow_redirects=False)
    assert r.status_code == 303
    w = db.scalar(select(Workshop))
    assert w is not None and w.starts_at == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    assert w.capacity == 25 and w.duration_minutes == 90
    page = client.get(f"/workshops/{w.id}")
    assert "Waiting list (0)" in page.text and LINK in page.text
