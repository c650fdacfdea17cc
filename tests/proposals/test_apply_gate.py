"""The apply page says up front what stands between a freelancer and sending a proposal
(marketplace.md §3: "Requires a verified phone and an active account"), with the link that
fixes it and leads back."""

from __future__ import annotations

from tests.factories import make_freelancer, make_job, sign_in_browser
from workhall.core.clock import utcnow


def test_unverified_phone_is_told_before_writing(client, db, settings):
    job = make_job(db, settings)
    freelancer = make_freelancer(db, settings, verified=False)
    freelancer.email_verified_at = utcnow()
    sign_in_browser(client, db, settings, freelancer)
    page = client.get(f"/jobs/{job.id}/apply")
    assert page.status_code == 200
    assert "Verify your phone number before you send proposals." in page.text
    assert f'href="/settings/phone?next=/jobs/{job.id}/apply"' in page.text


def test_unconfirmed_email_is_told_first(client, db, settings):
    job = make_job(db, settings)
    freelancer = make_freelancer(db, settings, verified=False)
    sign_in_browser(client, db, settings, freelancer)
    page = client.get(f"/jobs/{job.id}/apply")
    assert "Confirm your email address before you send proposals." in page.text
    assert 'href="/settings/account"' in page.text


def test_verified_freelancer_sees_no_warning(client, db, settings):
    job = make_job(db, settings)
    freelancer = make_freelancer(db, settings)
    sign_in_browser(client, db, settings, freelancer)
    page = client.get(f"/jobs/{job.id}/apply")
    assert "before you send proposals" not in page.text
