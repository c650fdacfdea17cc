"""While a dispute on a milestone is open its money stays in escrow (marketplace.md §5: the
agent decides where it goes): the client cannot approve it and the freelancer cannot resubmit
work that a later automatic approval would pay out."""

from __future__ import annotations

import pytest

from workhall.contracts import service as contracts
from workhall.core.errors import Conflict
from workhall.payments.service import escrow_balance


def test_disputed_milestone_is_frozen(db, settings, case, disputed):
    with pytest.raises(Conflict):
        contracts.approve_milestone(db, settings, case.w.client, case.milestone.id)
    with pytest.raises(Conflict):
        contracts.submit_work(db, settings, case.w.freelancer, case.milestone.id, "Again.")
    assert escrow_balance(db, case.contract.id, milestone_id=case.milestone.id) == 10_000


def test_contract_page_offers_the_dispute_after_a_second_request(client, db, settings, case):
    from tests.factories import sign_in_browser

    sign_in_browser(client, db, settings, case.w.freelancer)
    page = client.get(f"/contracts/{case.contract.id}")
    assert page.status_code == 200
    assert f'href="/disputes/new?milestone={case.milestone.id}"' in page.text
    form = client.get(f"/disputes/new?milestone={case.milestone.id}")
    assert form.status_code == 200
