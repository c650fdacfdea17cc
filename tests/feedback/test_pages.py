"""Feedback pages (quality.md §3): the form of each side, errors re-render the form with the
values kept and store nothing, the double-blind state, the reply form, and the "Reviews"
section of public profiles (revealed and paid only, never private)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from tests.factories import make_client, make_freelancer, make_user
from tests.feedback.conftest import END
from tests.messages.support import pay, sign_in, well_formed
from workhall.core.clock import set_now
from workhall.feedback.models import Feedback
from workhall.feedback.service import FeedbackDraft, leave_feedback

DAY = timedelta(days=1)
CLIENT_FORM = {
    "score_skills": "5",
    "score_quality": "5",
    "score_availability": "4",
    "score_deadlines": "5",
    "score_communication": "5",
    "score_cooperation": "5",
    "comment": "Fast & careful: would hire again.",
    "likelihood": "9",
    "ending_reason": "completed",
}
FREELANCER_DRAFT = FeedbackDraft(
    scores={
        "clarity": 5,
        "communication": 5,
        "cooperation": 4,
        "availability": 5,
        "deadlines": 5,
        "payment_promptness": 5,
    },
    comment="Great client.",
    likelihood=8,
    unprofessional=True,
    unprofessional_reason="SECRET-FLAG-REASON",
)


def count(db) -> int:
    return db.scalar(select(func.count()).select_from(Feedback))


def test_the_client_form_renders_and_submits(client, db, settings, world):
    set_now(END + DAY)
    csrf = sign_in(client, db, settings, world["client"])
    url = f"/contracts/{world['contract'].id}/feedback"
    html = client.get(url).text
    assert "Skills" in html and "Adherence to deadlines" in html and 'name="ending_reason"' in html
    assert "How likely are you to recommend this freelancer" in html
    assert "Payment promptness" not in html and 'name="unprofessional"' not in html
    assert 'for="score_skills_5"' in html and 'for="likelihood_10"' in html
    well_formed(html, csrf)
    r = client.post(url, data={"csrf_token": csrf, **CLIENT_FORM}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == url
    row = db.scalar(select(Feedback))
    assert row.author_role == "client" and row.availability == 4
    page = client.get(url).text
    assert "Edit your feedback" in page and "Fast &amp; careful" in page
    assert 'value="4" required checked' in page  # the stored score is preselected


def test_the_freelancer_form_has_its_own_criteria_and_flag(client, db, settings, world):
    set_now(END + DAY)
    csrf = sign_in(client, db, settings, world["freelancer"])
    html = client.get(f"/contracts/{world['contract'].id}/feedback").text
    assert "Clarity of requirements" in html and "Payment promptness" in html
    assert "Would you work with this client again?" in html and 'name="unprofessional"' in html
    assert 'name="ending_reason"' not in html
    well_formed(html, csrf)


def test_errors_keep_the_values_and_store_nothing(client, db, settings, world):
    set_now(END + DAY)
    csrf = sign_in(client, db, settings, world["client"])
    url = f"/contracts/{world['contract'].id}/feedback"
    cases = [
        ({**CLIENT_FORM, "score_quality": ""}, "Quality of work"),
        ({**CLIENT_FORM, "score_quality": "7"}, "1 to 5"),
        ({**CLIENT_FORM, "score_quality": "x"}, "numbers offered"),
        ({**CLIENT_FORM, "comment": "<b>bold</b> claim"}, "HTML tags are not allowed"),
        ({**CLIENT_FORM, "comment": "z" * 5001}, "5,000"),
        ({**CLIENT_FORM, "likelihood": ""}, "0 to 10"),
        ({**CLIENT_FORM, "ending_reason": "nope"}, "reason the contract ended"),
        ({**CLIENT_FORM, "score_clarity": "5"}, "only the criteria"),
    ]
    for form, message in cases:
        r = client.post(url, data={"csrf_token": csrf, **form})
        assert r.status_code == 400, (form, r.text[:300])
        assert message in r.text, message
        assert "Fast &amp; careful" in r.text or "z" * 100 in r.text or "&lt;b&gt;" in r.text
    assert count(db) == 0
    assert client.post(url, data=CLIENT_FORM).status_code == 403  # no CSRF token
    assert count(db) == 0


def test_double_blind_on_the_page(client, db, settings, world):
    set_now(END + DAY)
    leave_feedback(db, settings, world["freelancer"], world["contract"].id, FREELANCER_DRAFT)
    csrf = sign_in(client, db, settings, world["client"])
    url = f"/contracts/{world['contract'].id}/feedback"
    html = client.get(url).text
    assert "Great client." not in html and "SECRET-FLAG-REASON" not in html
    assert "Fred Freelancer: submitted" in html
    client.post(url, data={"csrf_token": csrf, **CLIENT_FORM})
    html = client.get(url).text
    assert "Great client." in html and "Revealed" in html
    assert "SECRET-FLAG-REASON" not in html and "Would you work with this client again" not in html
    assert "Submit feedback" not in html and "Save changes" not in html
    # The client sees its own private answers, labelled as private.
    assert "Reason for ending: The work was completed" in html


def test_reply_form_after_the_reveal(client, db, settings, world):
    pay(db, world["contract"], 50_000)
    set_now(END + DAY)
    leave_feedback(db, settings, world["freelancer"], world["contract"].id, FREELANCER_DRAFT)
    csrf = sign_in(client, db, settings, world["client"])
    url = f"/contracts/{world['contract'].id}/feedback"
    client.post(url, data={"csrf_token": csrf, **CLIENT_FORM})
    html = client.get(url).text
    theirs = db.scalar(select(Feedback).where(Feedback.author_role == "freelancer"))
    assert f'action="/feedback/{theirs.id}/reply"' in html
    well_formed(html, csrf)
    r = client.post(f"/feedback/{theirs.id}/reply", data={"csrf_token": csrf, "reply": "<i>x</i>"})
    assert r.status_code == 400 and "HTML tags" in r.text and "&lt;i&gt;x&lt;/i&gt;" in r.text
    r = client.post(
        f"/feedback/{theirs.id}/reply",
        data={"csrf_token": csrf, "reply": "Thanks, Fred!"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    db.refresh(theirs)
    assert theirs.reply == "Thanks, Fred!"
    assert f'action="/feedback/{theirs.id}/reply"' not in client.get(url).text


def test_profiles_show_reviews_only_when_revealed_and_paid(client, db, settings, world):
    set_now(END + DAY)
    leave_feedback(db, settings, world["freelancer"], world["contract"].id, FREELANCER_DRAFT)
    client_handle = world["client"].handle
    html = client.get(f"/u/{client_handle}").text
    assert "Reviews" in html and "No reviews yet." in html and "Great client." not in html
    set_now(END + 14 * DAY)  # revealed, but nothing paid
    assert "Great client." not in client.get(f"/u/{client_handle}").text
    pay(db, world["contract"], 50_000)
    html = client.get(f"/u/{client_handle}").text
    assert "Great client." in html and "4.83" in html and "1 review" in html
    assert "SECRET-FLAG-REASON" not in html and "work with this client again" not in html
    full = client.get(f"/u/{client_handle}/reviews")
    assert full.status_code == 200 and "Great client." in full.text
    assert client.get(f"/u/{world['freelancer'].handle}").status_code == 200
    assert client.get("/u/nobody-here/reviews").status_code == 404


def test_strangers_staff_and_anonymous(client, db, settings, world):
    set_now(END + DAY)
    leave_feedback(db, settings, world["freelancer"], world["contract"].id, FREELANCER_DRAFT)
    url = f"/contracts/{world['contract'].id}/feedback"
    r = client.get(url, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    for stranger in (make_freelancer(db, settings), make_client(db, settings)):
        csrf = sign_in(client, db, settings, stranger)
        assert client.get(url).status_code == 404
        assert client.post(url, data={"csrf_token": csrf, **CLIENT_FORM}).status_code == 404
    assert count(db) == 1
    sign_in(client, db, settings, make_user(db, settings, "staff", staff_roles="trust_safety"))
    html = client.get(url).text
    assert (
        "SECRET-FLAG-REASON" in html
        and "Read-only" in html
        and "<form" not in html.split("<main")[1]
    )
