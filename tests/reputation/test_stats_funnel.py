"""The proposal funnel of My Stats and the peers' figures, precomputed per category at an
evaluation instant (reputation.md §5, marketplace.md §3, quality.md §1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from tests.factories import make_client, make_freelancer
from tests.reputation.stats_support import (
    contract_paid,
    give_connects,
    hire,
    interview,
    propose,
    view,
)
from workhall import catalog
from workhall.accounts.models import ProfileSkill
from workhall.core import clock
from workhall.reputation.models import PeerFunnel
from workhall.reputation.stats import my_stats
from workhall.reputation.stats_funnel import (
    compute_peer_funnels,
    freelancer_funnel,
    main_category,
)

NOW = datetime(2026, 6, 20, 12, 0, tzinfo=UTC)
INSTANT = datetime(2026, 6, 15, tzinfo=UTC)  # the latest evaluation instant before NOW


def _my_funnel(db, settings):
    """F's proposals: 4 sent in the last 90 days, one older; stages reached by the service."""
    f = make_freelancer(db, settings)
    give_connects(db, settings, f, 100, "test:funnel")
    p1, c1 = propose(db, settings, f, NOW - timedelta(days=10))
    view(db, settings, p1, c1, NOW - timedelta(days=9))
    p2, c2 = propose(db, settings, f, NOW - timedelta(days=20))
    view(db, settings, p2, c2, NOW - timedelta(days=19))
    interview(db, settings, p2, NOW - timedelta(days=18))
    p3, _ = propose(db, settings, f, NOW - timedelta(days=30))
    hire(db, settings, p3, NOW - timedelta(days=25))  # hired straight from the proposal
    propose(db, settings, f, NOW - timedelta(days=40))  # nothing happened
    old, oc = propose(db, settings, f, NOW - timedelta(days=95))  # before the 90 days
    view(db, settings, old, oc, NOW - timedelta(days=85))
    propose(db, settings, f, NOW - timedelta(days=50), category="design")  # main stays web-dev
    clock.set_now(NOW)
    return f


def _peers(db, settings):
    """P1 hired in web-dev before the instant: 2 web-dev proposals (both viewed, one hired) and
    one design proposal (another category). P2 hired only in design. L hired in web-dev after
    the instant (not a peer at it)."""
    p1, p2, late = (make_freelancer(db, settings) for _ in range(3))
    for who in (p1, p2, late):
        give_connects(db, settings, who, 100, f"test:peer:{who.id}")
    a, ca = propose(db, settings, p1, INSTANT - timedelta(days=30))
    view(db, settings, a, ca, INSTANT - timedelta(days=29))
    b, cb = propose(db, settings, p1, INSTANT - timedelta(days=20))
    view(db, settings, b, cb, INSTANT - timedelta(days=19))
    hire(db, settings, b, INSTANT - timedelta(days=18))
    propose(db, settings, p1, INSTANT - timedelta(days=15), category="design")
    later, cl = propose(db, settings, p1, INSTANT + timedelta(days=1))  # after the instant
    view(db, settings, later, cl, INSTANT + timedelta(days=2))
    start = INSTANT - timedelta(days=17)
    contract_paid(db, settings, cb, p1, [], job_category="web-dev", started_at=start)
    contract_paid(
        db, settings, make_client(db, settings), p2, [], job_category="design", started_at=start
    )
    propose(db, settings, p2, INSTANT - timedelta(days=12))  # web-dev, but P2 is no web-dev peer
    contract_paid(
        db,
        settings,
        make_client(db, settings),
        late,
        [],
        job_category="web-dev",
        started_at=INSTANT + timedelta(days=3),
    )
    propose(db, settings, late, INSTANT - timedelta(days=5))
    clock.set_now(NOW)
    return p1


def test_funnel_counts_each_stage_cumulatively(db, settings):
    f = _my_funnel(db, settings)
    funnel = freelancer_funnel(db, f.id, NOW)
    # spec: marketplace.md §3 — sent → viewed → interviewed → hired, from the time stamps.
    assert funnel.as_tuple() == (5, 3, 2, 1)  # the design proposal is sent too


def test_funnel_rates_and_peers(db, settings):
    f = _my_funnel(db, settings)
    _peers(db, settings)
    funnel = my_stats(db, f.id).funnel
    assert funnel.category == "web-dev" and funnel.category_name == "Web Development"
    assert [(s.name, s.count, s.rate) for s in funnel.stages] == [
        ("sent", 5, None),
        ("viewed", 3, 60.0),
        ("interviewed", 2, 66.7),
        ("hired", 1, 50.0),
    ]
    assert funnel.hire_rate == 20.0
    # Peers at the 15 June instant: P1 only; its 2 web-dev proposals, both viewed, one hired.
    assert funnel.peers is not None
    assert (funnel.peers.instant, funnel.peers.peers, funnel.peers.sent) == (INSTANT, 1, 2)
    assert [s.peer_rate for s in funnel.stages] == [None, 100.0, 50.0, 100.0]
    assert funnel.peer_hire_rate == 50.0


def test_peer_funnels_are_stored_for_every_category_and_recomputed_idempotently(db, settings):
    _peers(db, settings)
    compute_peer_funnels(db, INSTANT)
    compute_peer_funnels(db, INSTANT)
    rows = {
        r.category: r for r in db.scalars(select(PeerFunnel).where(PeerFunnel.instant == INSTANT))
    }
    assert set(rows) == set(catalog.CATEGORIES)
    web = rows["web-dev"]
    assert (web.peers, web.sent, web.viewed, web.interviewed, web.hired) == (1, 2, 2, 1, 1)
    design = rows["design"]
    # P2 was hired in design but sent no design proposal; P1 sent one but was not hired in it.
    assert (design.peers, design.sent) == (1, 0)
    assert (rows["finance"].peers, rows["finance"].sent) == (0, 0)


def test_peer_figures_are_computed_once_on_first_request_when_missing(db, settings):
    f = _my_funnel(db, settings)
    count = select(func.count()).select_from(PeerFunnel).where(PeerFunnel.instant == INSTANT)
    assert db.scalar(count) == 0
    my_stats(db, f.id)
    assert db.scalar(count) == len(catalog.CATEGORIES)
    my_stats(db, f.id)
    assert db.scalar(count) == len(catalog.CATEGORIES)


def test_stored_peer_figures_are_read_not_recomputed(db, settings):
    f = _my_funnel(db, settings)
    compute_peer_funnels(db, INSTANT)
    row = db.scalar(
        select(PeerFunnel).where(PeerFunnel.instant == INSTANT, PeerFunnel.category == "web-dev")
    )
    row.peers, row.sent, row.viewed, row.interviewed, row.hired = 7, 10, 5, 2, 1
    db.flush()
    funnel = my_stats(db, f.id).funnel
    assert funnel.peers.peers == 7
    assert [s.peer_rate for s in funnel.stages] == [None, 50.0, 40.0, 50.0]
    assert funnel.peer_hire_rate == 10.0


def test_main_category_falls_back_to_profile_skills(db, settings):
    clock.set_now(NOW)
    f = make_freelancer(db, settings)
    assert main_category(db, f.id, NOW) is None
    for skill in ("figma", "python", "ui-design"):
        db.add(ProfileSkill(user_id=f.id, skill=skill))
    db.flush()
    assert catalog.SKILL_CATEGORY["figma"] == "design"
    assert main_category(db, f.id, NOW) == "design"
    funnel = my_stats(db, f.id).funnel
    assert funnel.stages[0].count == 0 and funnel.hire_rate is None
    assert funnel.category == "design" and funnel.peers is not None and funnel.peers.peers == 0
    assert all(s.peer_rate is None for s in funnel.stages)


def test_no_category_no_peers(db, settings):
    clock.set_now(NOW)
    funnel = my_stats(db, make_freelancer(db, settings).id).funnel
    assert funnel.category is None and funnel.peers is None
    assert [s.count for s in funnel.stages] == [0, 0, 0, 0]


def test_peer_figures_are_still_shown_when_storing_them_fails(db, settings, monkeypatch):
    """A concurrent request stored the instant first (or the database refused the write): the
    figures are computed without being kept, and nothing half-written stays."""
    from sqlalchemy.exc import IntegrityError

    from workhall.reputation import stats_funnel

    f = _my_funnel(db, settings)
    _peers(db, settings)

    def clash(session, instant):
        session.add(PeerFunnel(category="web-dev", instant=instant, peers=99))
        session.flush()
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    monkeypatch.setattr(stats_funnel, "compute_peer_funnels", clash)
    funnel = my_stats(db, f.id).funnel
    assert funnel.peers is not None and funnel.peers.peers == 1 and funnel.peers.sent == 2
    assert [s.peer_rate for s in funnel.stages] == [None, 100.0, 50.0, 100.0]
    assert db.scalar(select(func.count()).select_from(PeerFunnel)) == 0
