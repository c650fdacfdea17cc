"""A contract between a client and a freelancer that ended at ``END``, with API headers, and
the two sides' feedback bodies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.factories import api_headers, make_client, make_freelancer
from tests.messages.support import make_contract
from workhall.core.clock import set_now

END = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)

CLIENT_BODY = {
    "scores": {
        "skills": 5,
        "quality": 5,
        "availability": 4,
        "deadlines": 5,
        "communication": 5,
        "cooperation": 5,
    },
    "comment": "Delivered a clean booking app ahead of schedule.",
    "private": {"recommend": 3, "ending_reason": "unresponsive"},
}
FREELANCER_BODY = {
    "scores": {
        "clarity": 4,
        "communication": 5,
        "cooperation": 5,
        "availability": 4,
        "deadlines": 5,
        "payment_promptness": 5,
    },
    "comment": "Clear requirements and quick payments.",
    "private": {
        "work_again": 2,
        "unprofessional": True,
        "unprofessional_reason": "PRIVATE-CONDUCT-NOTE shouted at me in a call",
    },
}


@pytest.fixture
def world(db, settings):
    set_now(END)
    client = make_client(db, settings, name="Clara Client")
    freelancer = make_freelancer(db, settings, name="Fred Freelancer")
    contract = make_contract(db, settings, client, freelancer, ended_at=END)
    return {
        "client": client,
        "freelancer": freelancer,
        "contract": contract,
        "ch": api_headers(db, settings, client),
        "fh": api_headers(db, settings, freelancer),
        "url": f"/api/v1/contracts/{contract.id}/feedback",
    }
