"""Who reaches which staff page (docs/staff.md "Who sees what"): support, trust & safety,
admin, a freelancer, a client and an anonymous visitor, on every page of the console."""

from __future__ import annotations

import pytest

from tests.factories import make_freelancer
from tests.staff.conftest import REASON, browse_as, count, make_staff, persona
from workhall.accounts.models import AccountHold

WHO = ("support", "trust_safety", "admin", "freelancer", "client", "anonymous")
OK, NO, LOGIN = 200, 403, 303

# page → expected status for each of WHO
MATRIX = {
    "/staff": (OK, OK, OK, NO, NO, LOGIN),
    "/staff/users": (OK, OK, OK, NO, NO, LOGIN),
    "/staff/users/{target}": (OK, OK, OK, NO, NO, LOGIN),
    "/staff/audit": (NO, OK, OK, NO, NO, LOGIN),
    "/staff/health": (NO, OK, OK, NO, NO, LOGIN),
    "/staff/health.json": (NO, OK, OK, NO, NO, LOGIN),
}


@pytest.mark.parametrize("who", WHO)
def test_role_matrix_for_pages(db, settings, client, who):
    target = make_freelancer(db, settings)
    user = persona(db, settings, who)
    browse_as(client, db, settings, user)
    for path, expected_by_who in MATRIX.items():
        r = client.get(path.format(target=target.id), follow_redirects=False)
        expected = expected_by_who[WHO.index(who)]
        assert r.status_code == expected, (who, path, r.text[:300])
        if expected == LOGIN:
            assert r.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("who", ["support", "freelancer", "client", "anonymous"])
def test_only_trust_and_safety_change_standing(db, settings, client, who):
    target = make_freelancer(db, settings)
    user = persona(db, settings, who)
    csrf = browse_as(client, db, settings, user)
    for action in ("holds", "suspend", "reinstate", "holds/1/lift"):
        r = client.post(
            f"/staff/users/{target.id}/{action}",
            data={"csrf_token": csrf, "reason": REASON},
            follow_redirects=False,
        )
        # 403 for signed-in users without the role; anonymous: the CSRF check refuses first.
        assert r.status_code == 403, (who, action)
    assert count(db, AccountHold) == 0
    db.refresh(target)
    assert target.status == "active"


@pytest.mark.parametrize(
    ("roles", "areas"),
    [
        ("support", {"support", "phone_release", "accounts", "pilot"}),
        (
            "trust_safety",
            {"conduct", "identity", "disputes", "accounts", "audit", "health", "pilot"},
        ),
        (
            "admin",
            {
                "conduct",
                "identity",
                "disputes",
                "support",
                "phone_release",
                "accounts",
                "audit",
                "health",
                "pilot",
            },
        ),
    ],
)
def test_home_shows_the_cards_the_roles_open(db, settings, client, roles, areas):
    browse_as(client, db, settings, make_staff(db, settings, roles))
    page = client.get("/staff")
    assert page.status_code == 200
    shown = {
        a
        for a in (
            "conduct",
            "identity",
            "disputes",
            "support",
            "phone_release",
            "accounts",
            "audit",
            "health",
            "pilot",
        )
        if f'data-area="{a}"' in page.text
    }
    assert shown == areas


def test_staff_without_roles_or_not_active_is_refused(db, settings, client):
    browse_as(client, db, settings, make_staff(db, settings, ""))
    assert client.get("/staff").status_code == 403
    held = make_staff(db, settings, "trust_safety")
    held.status = "on_hold"
    db.flush()
    browse_as(client, db, settings, held)
    assert client.get("/staff/audit").status_code == 403


def test_home_counts_the_queues_of_other_features(db, settings, client):
    browse_as(client, db, settings, make_staff(db, settings, "admin"))
    page = client.get("/staff")
    for area in ("conduct", "identity", "disputes", "support", "accounts", "audit"):
        card = page.text.split(f'data-area="{area}"', 1)[1].split('<div class="col">', 1)[0]
        assert "data-count" in card, area


def test_home_counts_accounts_on_hold(db, settings, client):
    ts = make_staff(db, settings, "trust_safety")
    for status in ("on_hold", "suspended", "active"):
        make_freelancer(db, settings, status=status)
    browse_as(client, db, settings, ts)
    page = client.get("/staff")
    card = page.text.split('data-area="accounts"', 1)[1].split("</div>", 3)
    assert "2</span>" in "".join(card) and "on hold or suspended" in page.text


@pytest.mark.parametrize(
    ("roles", "editor"), [("support", True), ("trust_safety", False), ("admin", True)]
)
def test_home_leads_staff_to_the_community(db, settings, client, roles, editor):
    """Staff have no freelancer menu: the console's card is their way to the community."""
    browse_as(client, db, settings, make_staff(db, settings, roles))
    page = client.get("/staff")
    card = page.text.split('data-area="community"', 1)[1].split('<div class="col">', 1)[0]
    assert 'href="/community"' in card
    assert ("Manage categories, workshops and guides" in card) is editor
    assert client.get("/community").status_code == 200


def test_account_page_links_the_audit_log_only_for_those_who_open_it(db, settings, client):
    target = make_freelancer(db, settings)
    link = f"/staff/audit?subject_type=user&amp;subject_id={target.id}"
    browse_as(client, db, settings, make_staff(db, settings, "support"))
    assert link not in client.get(f"/staff/users/{target.id}").text
    browse_as(client, db, settings, make_staff(db, settings, "trust_safety"))
    assert link in client.get(f"/staff/users/{target.id}").text
