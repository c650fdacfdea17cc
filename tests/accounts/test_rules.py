"""Pure account rules, table-driven, quoting the spec."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from workhall.accounts.rules import (
    COMPLETENESS_ITEMS,
    CompletenessFacts,
    closed_email,
    common_passwords,
    completeness_checks,
    describe_user_agent,
    has_trailing_data,
    image_kind,
    missing_completeness_items,
    password_problem,
    profile_completeness,
    rate_problem,
    safe_redirect_target,
    skills_problem,
    text_problem,
    throttle_delay,
    totp_code_shape_ok,
    url_problem,
)

# spec: marketplace.md §1 — "Passwords: at least 12 characters, at most 128; rejected if in a
# list of common/breached passwords shipped with the project (at least the 10,000 most common)"


def test_the_common_password_list_has_at_least_10000_entries():
    assert len(common_passwords()) >= 10_000


@pytest.mark.parametrize(
    ("password", "refused_because"),
    [
        ("tangerine-k9", None),  # exactly 12 characters, not common
        ("elevenchars", "at least 12"),
        ("", "at least 12"),
        ("xyz" * 42 + "ab", None),  # exactly 128
        ("xyz" * 43, "at most 128"),
        ("password1234", "too common"),
        ("PASSWORD1234", "too common"),  # case does not help
        ("qwertyuiop123", "too common"),
        ("aaaaaaaaaaaaaaaa", "too easy"),
        ("abababababababab", "too easy"),
        ("correct horse battery staple", None),
        ("ana@example.com", "too common"),  # the email itself
    ],
)
def test_password_policy(password, refused_because):
    problem = password_problem(password, min_length=12, max_length=128, email="ana@example.com")
    if refused_because is None:
        assert problem is None
    else:
        assert problem is not None and refused_because in problem


# spec: marketplace.md §1 — completeness over photo, title, overview ≥ 100 characters,
# ≥ 3 skills, hourly rate, ≥ 1 portfolio item, phone verified (each equal weight).

EMPTY = CompletenessFacts(
    has_photo=False,
    title="",
    overview="",
    skill_count=0,
    has_hourly_rate=False,
    portfolio_count=0,
    phone_verified=False,
)
FULL = CompletenessFacts(
    has_photo=True,
    title="Django developer",
    overview="x" * 100,
    skill_count=3,
    has_hourly_rate=True,
    portfolio_count=1,
    phone_verified=True,
)


@pytest.mark.parametrize(
    ("item", "change_from_empty"),
    [
        ("photo", {"has_photo": True}),
        ("title", {"title": "Django developer"}),
        ("overview", {"overview": "o" * 100}),
        ("skills", {"skill_count": 3}),
        ("rate", {"has_hourly_rate": True}),
        ("portfolio", {"portfolio_count": 1}),
        ("phone", {"phone_verified": True}),
    ],
)
def test_each_completeness_item_counts_one_seventh(item, change_from_empty):
    facts = CompletenessFacts(**{**EMPTY.__dict__, **change_from_empty})
    checks = completeness_checks(facts)
    assert [k for k, done in checks.items() if done] == [item]
    assert profile_completeness(facts) == 14  # 100 / 7 = 14.29 → 14
    assert item not in [k for k, _ in missing_completeness_items(facts)]


@pytest.mark.parametrize(
    ("change_from_full", "missing"),
    [
        ({"title": "   "}, "title"),  # blank is not a title
        ({"overview": "x" * 99}, "overview"),  # one short of 100
        ({"overview": " " * 50 + "x" * 99 + " " * 50}, "overview"),  # spaces do not count
        ({"skill_count": 2}, "skills"),
        ({"portfolio_count": 0}, "portfolio"),
        ({"phone_verified": False}, "phone"),
    ],
)
def test_completeness_thresholds(change_from_full, missing):
    facts = CompletenessFacts(**{**FULL.__dict__, **change_from_full})
    assert [k for k, _ in missing_completeness_items(facts)] == [missing]
    assert profile_completeness(facts) == 86  # 6 / 7 = 85.71 → 86


@pytest.mark.parametrize(
    ("done", "percent"),
    # k/7 rounded half up to a whole percent
    [(0, 0), (1, 14), (2, 29), (3, 43), (4, 57), (5, 71), (6, 86), (7, 100)],
)
def test_completeness_rounding(done, percent):
    keys = [k for k, _ in COMPLETENESS_ITEMS][:done]
    facts = CompletenessFacts(
        has_photo="photo" in keys,
        title="T" if "title" in keys else "",
        overview="o" * 100 if "overview" in keys else "",
        skill_count=3 if "skills" in keys else 0,
        has_hourly_rate="rate" in keys,
        portfolio_count=1 if "portfolio" in keys else 0,
        phone_verified="phone" in keys,
    )
    assert profile_completeness(facts) == percent


# spec: trust.md §3 — "Login throttling per (account, IP) pair with increasing delays".


@pytest.mark.parametrize(
    ("failures", "delay"),
    [
        (0, 0.0),
        (1, 0.0),
        (2, 0.0),
        (3, 1.0),
        (4, 2.0),
        (5, 4.0),
        (6, 8.0),
        (10, 128.0),
        (12, 512.0),
        (13, 900.0),
        (100, 900.0),
    ],
)
def test_throttle_delay_doubles_after_the_free_failures_up_to_the_cap(failures, delay):
    assert throttle_delay(failures, free_failures=3, base_seconds=1.0, max_seconds=900.0) == delay


# --- profile fields ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "multiline", "ok"),
    [
        ("Senior Django developer", False, True),
        ("Zoë — ünïcode ✓ 日本語", False, True),
        ("x" * 120, False, True),
        ("x" * 121, False, False),
        ("line one\nline two", False, False),
        ("line one\nline two\r\n\ttabbed", True, True),
        ("nul\x00byte", True, False),
        ("bell\x07", True, False),
        ("c1\x85control", True, False),
        ("lone \ud800 surrogate", True, False),
        ("<script>alert(1)</script>", False, True),  # stored as text, escaped when shown
    ],
)
def test_text_problem(value, multiline, ok):
    problem = text_problem(value, label="The title", max_length=120, multiline=multiline)
    assert (problem is None) is ok


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.com/work", True),
        ("http://example.com", True),
        ("HTTPS://EXAMPLE.COM", True),
        ("javascript:alert(1)", False),
        ("data:text/html,hi", False),
        ("ftp://example.com/file", False),
        ("//example.com", False),
        ("https://", False),
        ("https://user:pw@example.com", False),
        ("https://exa mple.com", False),
        ("https://example.com/\x00", False),
        ("https://[::1", False),
        ("https://example.com/" + "a" * 480, True),
        ("https://example.com/" + "a" * 481, False),  # 501 characters
    ],
)
def test_url_problem(url, ok):
    assert (url_problem(url) is None) is ok


@pytest.mark.parametrize(
    ("cents", "ok"),
    [
        (None, True),
        (300, True),
        (299, False),
        (99_900, True),
        (99_901, False),
        (0, False),
        (-500, False),
        (4_550, True),
    ],
)
def test_rate_range_is_3_to_999_dollars(cents, ok):
    assert (rate_problem(cents, min_cents=300, max_cents=99_900) is None) is ok


@pytest.mark.parametrize(("count", "ok"), [(0, False), (1, True), (15, True), (16, False)])
def test_skills_are_1_to_15(count, ok):
    # spec: marketplace.md §1 — "skills (1–15 from a skill catalogue)"
    assert (skills_problem(count, min_count=1, max_count=15) is None) is ok


# --- photos ---------------------------------------------------------------------------------


def _image_bytes(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 30)).save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (_image_bytes("JPEG"), "jpeg"),
        (_image_bytes("PNG"), "png"),
        (_image_bytes("GIF"), None),
        (b"%PDF-1.7 ...", None),
        (b"<html><script>alert(1)</script>", None),
        (b"", None),
        (b"\xff\xd8", None),  # too short to be a JPEG
    ],
)
def test_image_kind_by_magic_bytes(data, kind):
    assert image_kind(data) == kind


@pytest.mark.parametrize(
    ("data", "kind", "trailing"),
    [
        (_image_bytes("JPEG"), "jpeg", False),
        (_image_bytes("JPEG") + b"\x00\x00", "jpeg", False),  # camera padding
        (_image_bytes("JPEG") + b"PK\x05\x06" + b"\x00" * 18, "jpeg", True),  # + zip
        (_image_bytes("JPEG") + b"<script>alert(1)</script>", "jpeg", True),
        (_image_bytes("PNG"), "png", False),
        (_image_bytes("PNG") + b"<?php echo 1; ?>", "png", True),
    ],
)
def test_trailing_data_marks_a_polyglot(data, kind, trailing):
    assert has_trailing_data(data, kind) is trailing


# --- redirects, user agents, closing ------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "result"),
    [
        ("/jobs?q=django", "/jobs?q=django"),
        ("/settings/profile#photo", "/settings/profile#photo"),
        (None, "/"),
        ("", "/"),
        ("https://evil.example", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("\\\\evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("/\n/evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("jobs", "/"),
        ("/" + "a" * 600, "/" + "a" * 499),
    ],
)
def test_safe_redirect_target(target, result):
    assert safe_redirect_target(target) == result


@pytest.mark.parametrize(
    ("ua", "shown"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0 Safari/537.36",
            "Chrome on Windows",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.1 Safari/605.1.15",
            "Safari on macOS",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
            "Firefox on Linux",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
            "Version/17.1 Mobile/15E148 Safari/604.1",
            "Safari on iPhone",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0",
            "Edge on Windows",
        ),
        ("curl/8.4.0", "Other app or browser"),
        ("", "Unknown device"),
    ],
)
def test_describe_user_agent(ua, shown):
    assert describe_user_agent(ua) == shown


def test_closed_email_is_unique_and_undeliverable():
    assert closed_email(7) != closed_email(8)
    assert closed_email(7).endswith(".invalid")


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("123456", True),
        ("12345", False),
        ("1234567", False),
        ("12a456", False),
        ("١٢٣٤٥٦", False),
        ("", False),
    ],
)
def test_totp_code_shape(code, ok):
    assert totp_code_shape_ok(code) is ok
