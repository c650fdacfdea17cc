"""Freelancer search, badges on profiles and proposals, Top Rated invitations (§2.5)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.factories import make_client, make_freelancer, make_job, sign_in_browser
from workhall.accounts.models import ProfileSkill
from workhall.core.clock import utcnow
from workhall.jobs.models import Job
from workhall.notifications.models import Notification
from workhall.reputation.models import Evaluation
from workhall.reputation.subscribers import tell_freelancer


def _freelancer(db, settings, name, skills=("python", "django"), title="Django developer"):
    user = make_freelancer(db, settings, name=name)
    user.freelancer_profile.title = title
    for skill in skills:
        db.add(ProfileSkill(user_id=user.id, skill=skill))
    db.flush()
    db.refresh(user.freelancer_profile)
    return user


def _evaluate(db, user, level="none", jss=None, arm=None):
    db.add(
        Evaluation(
            user_id=user.id,
            instant=utcnow() - timedelta(days=1),
            jss=jss,
            level=level,
            earned_level=level,
            rising_talent=arm,
        )
    )
    db.flush()


def test_search_shows_badges_and_boosts_badge_holders(client, db, settings):
    _freelancer(db, settings, "Plain Pat")
    top = _freelancer(db, settings, "Top Tess")
    rising = _freelancer(db, settings, "Rising Rae")
    control = _freelancer(db, settings, "Control Cy")
    _evaluate(db, top, "top_rated", 96)
    _evaluate(db, rising, arm="treatment")
    _evaluate(db, control, arm="control")
    viewer = make_client(db, settings)
    sign_in_browser(client, db, settings, viewer)
    page = client.get("/talent", params={"q": "django"}).text
    names = [n for n in ("Top Tess", "Rising Rae", "Plain Pat", "Control Cy") if n in page]
    assert names == ["Top Tess", "Rising Rae", "Plain Pat", "Control Cy"]
    assert sorted(names, key=page.index) == names
    assert "96% Job Success" in page and "Rising Talent" in page
    # the control arm sees and shows nothing (reputation.md §3.2)
    card = page[page.index("Control Cy") :]
    assert "Rising Talent" not in card[: card.find("</article>")]
    only = client.get("/talent", params={"q": "django", "top_rated": "true"}).text
    assert "Top Tess" in only and "Plain Pat" not in only


def test_search_refuses_anonymous_and_survives_odd_input(client, db, settings):
    assert client.get("/talent", follow_redirects=False).status_code in (302, 303, 401)
    sign_in_browser(client, db, settings, make_client(db, settings))
    assert client.get("/talent", params={"q": "<script>%_\\"}).status_code == 200
    assert client.get("/talent", params={"page": "0"}).status_code == 400
    assert client.get("/talent", params={"q": "x" * 101}).status_code == 400


def test_profile_and_proposal_list_show_the_stored_standing(client, db, settings):
    star = _freelancer(db, settings, "Star Sam")
    _evaluate(db, star, "top_rated_plus", 99)
    sign_in_browser(client, db, settings, make_client(db, settings))
    page = client.get(f"/u/{star.handle}").text
    assert "Top Rated Plus" in page and "99% Job Success" in page


def test_top_rated_invitations_suggest_and_only_the_owner_switches(client, db, settings):
    owner = make_client(db, settings)
    job = make_job(db, settings, owner, top_rated_invitations=False)
    star = _freelancer(db, settings, "Star Sue")
    _freelancer(db, settings, "Plain Paul")
    _evaluate(db, star, "top_rated", 93)
    other = make_client(db, settings)
    csrf = sign_in_browser(client, db, settings, other)
    refused = client.post(
        f"/client/jobs/{job.id}/top-rated-invitations",
        data={"on": "true", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert refused.status_code in (303, 403)
    db.expire_all()
    assert db.get(Job, job.id).top_rated_invitations is False
    csrf = sign_in_browser(client, db, settings, owner)
    done = client.post(
        f"/client/jobs/{job.id}/top-rated-invitations",
        data={"on": "true", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303
    db.expire_all()
    assert db.get(Job, job.id).top_rated_invitations is True
    page = client.get(f"/client/jobs/{job.id}/proposals").text
    panel = page[page.index("Top Rated invitations") :]
    assert "Star Sue" in panel and "Plain Paul" not in panel


def test_post_a_job_with_top_rated_invitations_through_the_api(client, db, settings):
    from tests.factories import api_headers

    owner = make_client(db, settings)
    headers = api_headers(db, settings, owner)
    db.commit()
    body = {
        "title": "Django booking app",
        "description": "A booking application with calendars, payments and e-mail reminders.",
        "skills": ["python", "django"],
        "category": "web-dev",
        "budget_type": "fixed",
        "budget_cents": 50_000,
        "duration": "lt1m",
        "experience_level": "intermediate",
        "top_rated_invitations": True,
    }
    response = client.post("/api/v1/jobs", json=body, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["top_rated_invitations"] is True


def test_badge_change_notifies_the_freelancer(db, settings):
    user = make_freelancer(db, settings)
    tell_freelancer(
        db,
        user_id=user.id,
        previous_level="top_rated",
        previous_at_risk=False,
        level="top_rated",
        at_risk=True,
        reasons=["Earnings of $1,000 in the last 365 days"],
    )
    texts = db.scalars(select(Notification.text).where(Notification.user_id == user.id)).all()
    assert any("at risk" in t and "$1,000" in t for t in texts)
