"""Schemathesis over the whole OpenAPI document (quality.md §2 "API fuzzing", trust.md §3):
generated requests — valid and invalid — never produce a 500, and every response matches the
document (status code documented, content type, body schema).

Bounded in time: a few examples per operation, as a signed-in freelancer and as a signed-in
client, on one database (the generated input, not the database, is what is under test here;
the rest of the suite covers both databases)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import api_headers, make_client, make_freelancer, make_job

EXAMPLES_PER_OPERATION = 6
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def sqlite_only(database):
    if database.dialect != "sqlite":
        pytest.skip("fuzzing runs once, on the embedded database")


@pytest.mark.parametrize("role", ["freelancer", "client"])
def test_generated_requests_never_fail_the_document(app, db, settings, sqlite_only, role):
    user = (make_freelancer if role == "freelancer" else make_client)(db, settings)
    make_job(db, settings)  # something to read, propose to and act on (ids are small)
    headers = api_headers(db, settings, user)
    db.commit()
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    seen: dict[int, int] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    # Signing out (or closing the account) ends the token every other call uses: those last.
    operations.sort(key=lambda op: op.method.upper() == "DELETE" and "sessions" in op.path)
    for operation in operations:

        @given(case=operation.as_strategy())
        @hsettings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case) -> None:  # type: ignore[no-untyped-def]
            mine = {k.lower() for k in headers}
            case.headers = {
                **{k: v for k, v in (case.headers or {}).items() if k.lower() not in mine},
                **headers,
            }
            response = case.call()
            seen[response.status_code] = seen.get(response.status_code, 0) + 1
            case.validate_response(response, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # collect every operation's failure, report them together
            failures.append(f"{operation.label}: {str(exc)[:600]}")
    # the calls reached the endpoints (not a wall of 401s): most answers are not auth failures
    assert sum(seen.values()) > 200 and seen.get(401, 0) < sum(seen.values()) // 10, seen
    assert not failures, "\n\n".join(failures)
