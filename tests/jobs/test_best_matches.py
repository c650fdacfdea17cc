"""Best matches (marketplace.md §2): "open jobs ranked by skill overlap with the profile, then
client quality, then recency"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.factories import api_headers, make_client, make_freelancer, make_job
from workhall.accounts.models import ProfileSkill
from workhall.jobs.search import best_matches

T0 = datetime(2026, 5, 1, tzinfo=UTC)


def give_skills(db, user, *skills: str) -> None:
    for skill in skills:
        db.add(ProfileSkill(user_id=user.id, skill=skill))
    db.flush()
    db.expire(user.freelancer_profile)


def test_ranked_by_overlap_then_client_quality_then_recency(client, db, settings):
    freelancer = make_freelancer(db, settings)
    give_skills(db, freelancer, "python", "django", "postgresql")
    good_client = make_client(db, settings)
    assert good_client.client_profile is not None
    good_client.client_profile.payment_method_verified_at = T0
    two_old = make_job(db, settings, skills=("python", "django"), posted_at=T0)
    two_new = make_job(
        db, settings, skills=("django", "react", "python"), posted_at=T0 + timedelta(days=2)
    )
    two_good_client = make_job(
        db, settings, good_client, skills=("python", "postgresql"), posted_at=T0 + timedelta(days=1)
    )
    three = make_job(db, settings, skills=("python", "django", "postgresql"), posted_at=T0)
    one = make_job(db, settings, skills=("python", "css"), posted_at=T0 + timedelta(days=9))
    none = make_job(
        db, settings, skills=("figma",), category="design", posted_at=T0 + timedelta(days=9)
    )
    # not offered: full, invite-only, closed
    make_job(
        db,
        settings,
        skills=("python", "django", "postgresql"),
        proposal_count=settings.job_max_proposals,
    )
    make_job(db, settings, skills=("python", "django", "postgresql"), visibility="invite_only")
    make_job(db, settings, skills=("python", "django", "postgresql"), status="expired")

    found = best_matches(db, settings, freelancer)
    assert [j.id for j in found.items] == [
        three.id,
        two_good_client.id,
        two_new.id,
        two_old.id,
        one.id,
        none.id,
    ]
    assert found.overlaps[three.id] == 3 and found.overlaps[none.id] == 0

    r = client.get("/api/v1/jobs/best-matches", headers=api_headers(db, settings, freelancer))
    assert r.status_code == 200
    items = r.json()["items"]
    assert [i["id"] for i in items][:2] == [three.id, two_good_client.id]
    assert items[0]["skill_overlap"] == 3


def test_paging_best_matches(db, settings):
    settings.search_page_size = 2
    freelancer = make_freelancer(db, settings)
    made = [make_job(db, settings, posted_at=T0 + timedelta(hours=i)).id for i in range(3)]
    first = best_matches(db, settings, freelancer, 1)
    second = best_matches(db, settings, freelancer, 2)
    assert first.total == 3 and first.has_next and not second.has_next
    assert [j.id for j in first.items + second.items] == list(reversed(made))
