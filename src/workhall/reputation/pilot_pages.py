"""Rising Talent pages (reputation.md §3): the program page, the readiness test, and the staff
pilot report.

* ``/rising-talent`` — freelancers: the program, their eligibility from the latest stored
  evaluation (never recomputed here), and the way to the test.
* ``/rising-talent/readiness`` — freelancers: the quiz (GET) and its grading (POST). A retake
  before 24 hours is refused with the time it opens; a passed test cannot be taken again.
* ``/staff/pilot`` — staff with any role: the arms compared.

The control arm sees nothing of the pilot: the badge appears only for the treatment arm.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.core.clock import utcnow
from workhall.core.errors import Forbidden, Problem
from workhall.core.settings import Settings
from workhall.core.templating import render
from workhall.core.web import Csrf, DbDep, PageFreelancer, PageUser, SettingsDep
from workhall.reputation import readiness
from workhall.reputation.models import Evaluation
from workhall.reputation.pilot_report import build_report
from workhall.reputation.queries import standing

router = APIRouter()

ANSWER_MAX = 10  # characters of one submitted choice key (the form layer's bound)
FORM_FIELDS_MAX = 40


def _latest_evaluation(db: Session, user_id: int) -> Evaluation | None:
    return db.scalars(
        select(Evaluation)
        .where(Evaluation.user_id == user_id, Evaluation.instant <= utcnow())
        .order_by(Evaluation.instant.desc())
        .limit(1)
    ).first()


def _criteria(evaluation: Evaluation | None) -> list[dict[str, Any]]:
    if evaluation is None:
        return []
    items = (evaluation.details or {}).get("rising_talent") or []
    return [c for c in items if isinstance(c, dict) and "label" in c]


@router.get("/rising-talent")
def rising_talent_page(
    request: Request, user: PageFreelancer, db: DbDep, settings: SettingsDep
) -> Response:
    evaluation = _latest_evaluation(db, user.id)
    criteria = _criteria(evaluation)
    test = readiness.standing(db, user.id, settings.readiness_retake_hours)
    context = {
        "standing": standing(db, user.id),
        "evaluation": evaluation,
        "criteria": criteria,
        "all_met": bool(criteria) and all(c.get("met") for c in criteria),
        "test": test,
        "pass_mark": settings.readiness_pass_mark,
        "question_count": len(readiness.questions_for(settings.readiness_questions)),
        "retake_hours": settings.readiness_retake_hours,
        "award_connects": settings.rising_talent_award_connects,
        "max_age_days": settings.rising_talent_max_account_age_days,
        "new_account_days": settings.rising_talent_new_account_days,
    }
    return render(request, "reputation/rising_talent.html", context)


def _quiz_context(settings: Settings, test: readiness.Standing) -> dict[str, Any]:
    return {
        "questions": readiness.questions_for(settings.readiness_questions),
        "pass_mark": settings.readiness_pass_mark,
        "retake_hours": settings.readiness_retake_hours,
        "test": test,
        "answers": {},
        "result": None,
        "error": None,
    }


@router.get("/rising-talent/readiness")
def readiness_page(
    request: Request, user: PageFreelancer, db: DbDep, settings: SettingsDep
) -> Response:
    test = readiness.standing(db, user.id, settings.readiness_retake_hours)
    return render(request, "reputation/readiness_test.html", _quiz_context(settings, test))


@router.post("/rising-talent/readiness", dependencies=[Csrf])
async def readiness_submit(
    request: Request, user: PageFreelancer, db: DbDep, settings: SettingsDep
) -> Response:
    form = await request.form()
    answers = {
        str(k)[:60]: str(v)[:ANSWER_MAX]
        for k, v in list(form.items())[:FORM_FIELDS_MAX]
        if k != "csrf_token"
    }
    try:
        attempt, result = readiness.submit(
            db,
            user,
            answers,
            pass_mark=settings.readiness_pass_mark,
            question_count=settings.readiness_questions,
            retake_hours=settings.readiness_retake_hours,
        )
    except Problem as exc:
        db.rollback()
        test = readiness.standing(db, user.id, settings.readiness_retake_hours)
        context = _quiz_context(settings, test) | {"error": exc.detail, "answers": answers}
        return render(request, "reputation/readiness_test.html", context, exc.status)
    test = readiness.standing_from(
        [(attempt.at, attempt.passed)], attempt.at, settings.readiness_retake_hours
    )
    context = _quiz_context(settings, test) | {
        "result": result,
        "answers": attempt.answers.get("answers", {}),
        "wrong": set(result.wrong),
    }
    return render(request, "reputation/readiness_result.html", context)


# --- staff -------------------------------------------------------------------------------------


def _staff(user: User) -> User:
    """Any staff role opens the pilot report (admin included); everyone else gets 403."""
    if not (user.is_staff and user.is_active and user.staff_role_set):
        raise Forbidden("The pilot report is for Workhall staff.")
    return user


@router.get("/staff/pilot")
def pilot_report_page(
    request: Request, user: PageUser, db: DbDep, settings: SettingsDep
) -> Response:
    _staff(user)
    report = build_report(
        db,
        first_contract_days=settings.pilot_first_contract_days,
        earnings_days=settings.pilot_earnings_days,
    )
    context = {
        "report": report,
        "chart": report.chart_data(),
        "control_percent": settings.pilot_control_percent,
        "seed": settings.pilot_seed,
    }
    return render(request, "reputation/pilot_report.html", context)
