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
