"""Pure account rules: password policy, profile completeness, login throttling (spec quoted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from zxcvbn.frequency_lists import FREQUENCY_LISTS


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of the zxcvbn corpus (spec asks for at least 10,000)."""
    return frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"])


def password_problem(
    password: str, *, min_length: int, max_length: int, email: str = ""
) -> str | None:
    """Why a password is refused, or None (marketplace.md §1: 12–128 chars, not a common one)."""
    if len(password) < min_length:
        return f"Password must be at least {min_length} characters."
    if len(password) > max_length:
        return f"Password must be at most {max_length} characters."
    lowered = password.lower()
    if lowered in common_passwords() or (email and lowered == email.lower()):
        return "This password is too common; choose another."
    if len(set(password)) <= 2:
        return "This password is too easy to guess; choose another."
    return None


@dataclass(frozen=True)
class CompletenessFacts:
    has_photo: bool
    title: str
    overview: str
    skill_count: int
    has_hourly_rate: bool
    portfolio_count: int
    phone_verified: bool


COMPLETENESS_ITEMS = (
    ("photo", "Add a profile photo"),
    ("title", "Write a professional title"),
    ("overview", "Write an overview of at least 100 characters"),
    ("skills", "List at least 3 skills"),
    ("rate", "Set an hourly rate"),
    ("portfolio", "Add a portfolio item"),
    ("phone", "Verify your phone"),
)


def completeness_checks(f: CompletenessFacts) -> dict[str, bool]:
    """spec: marketplace.md §1 — seven items of equal weight."""
    return {
        "photo": f.has_photo,
        "title": bool(f.title.strip()),
        "overview": len(f.overview.strip()) >= 100,
        "skills": f.skill_count >= 3,
        "rate": f.has_hourly_rate,
        "portfolio": f.portfolio_count >= 1,
        "phone": f.phone_verified,
    }


def profile_completeness(f: CompletenessFacts) -> int:
    """Percentage of the seven items done, rounded half up to a whole percent."""
    done = sum(completeness_checks(f).values())
    return (done * 200 + len(COMPLETENESS_ITEMS)) // (2 * len(COMPLETENESS_ITEMS))


def throttle_delay(
    consecutive_failures: int, *, free_failures: int, base_seconds: float, max_seconds: float
) -> float:
    """Seconds a (account, IP) pair must wait before the next attempt (trust.md §3).

    The first ``free_failures`` failures cost nothing; then the delay doubles with each failure.
    """
    if consecutive_failures < free_failures:
        return 0.0
    return min(max_seconds, base_seconds * 2 ** (consecutive_failures - free_failures))


def retry_at(last_failure: datetime, delay_seconds: float) -> datetime:
    return last_failure + timedelta(seconds=delay_seconds)


# --- profile fields (marketplace.md §1; limits where the spec is silent: docs/accounts.md) ----

TITLE_MAX = 120
OVERVIEW_MAX = 5000
OVERVIEW_COMPLETE = 100  # spec: marketplace.md §1 — "overview ≥ 100 characters"
COMPANY_MAX = 120
PORTFOLIO_TITLE_MAX = 120
PORTFOLIO_DESCRIPTION_MAX = 2000
URL_MAX = 500
AVAILABILITY = {
    "available": "Available now",
    "limited": "Limited availability",
    "unavailable": "Not available",
}


def text_problem(value: str, *, label: str, max_length: int, multiline: bool = False) -> str | None:
    """Why a piece of user text is refused, or None.

    Control characters (NUL breaks PostgreSQL text), unpaired surrogates and, for one-line
    fields, line breaks are refused rather than silently dropped (quality.md §2 "bad Unicode").
    """
    if len(value) > max_length:
        return f"{label} must be at most {max_length:,} characters."
    allowed = {"\n", "\r", "\t"} if multiline else set()
    for ch in value:
        code = ord(ch)
        if (code < 32 or 0x7F <= code < 0xA0) and ch not in allowed:
            return f"{label} contains a character that is not allowed."
        if 0xD800 <= code <= 0xDFFF:
            return f"{label} is not valid Unicode."
    return None


def url_problem(url: str) -> str | None:
    """Portfolio links: absolute http(s) URLs only, no credentials, at most 500 characters."""
    if len(url) > URL_MAX:
        return f"The link must be at most {URL_MAX} characters."
    if any(ord(ch) <= 32 or ord(ch) == 0x7F for ch in url):
        return "The link must not contain spaces or control characters."
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "The link is not a valid URL."
    if parts.scheme.lower() not in ("http", "https") or not host:
        return "The link must start with http:// or https://."
    if parts.username or parts.password:
        return "The link must not contain a user name or password."
    return None


def rate_problem(cents: int | None, *, min_cents: int, max_cents: int) -> str | None:
    """An hourly rate is optional; when set it lies in [min, max] (default $3–$999)."""
    if cents is None:
        return None
    if not min_cents <= cents <= max_cents:
        return (
            f"The hourly rate must be between ${min_cents / 100:,.2f} and ${max_cents / 100:,.2f}."
        )
    return None


def skills_problem(count: int, *, min_count: int, max_count: int) -> str | None:
    """spec: marketplace.md §1 — a profile lists 1–15 skills from the catalogue."""
    if not min_count <= count <= max_count:
        return f"Choose between {min_count} and {max_count} skills."
    return None


def missing_completeness_items(f: CompletenessFacts) -> list[tuple[str, str]]:
    """The (key, label) of every completeness item not yet done, in the spec's order."""
    checks = completeness_checks(f)
    return [(key, label) for key, label in COMPLETENESS_ITEMS if not checks[key]]


# --- photos (magic bytes decide, never the file name) ----------------------------------------

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PNG_IEND = b"IEND\xaeB`\x82"


def image_kind(data: bytes) -> str | None:
    """``"jpeg"`` or ``"png"`` by the file's first bytes, else None."""
    if data.startswith(JPEG_MAGIC):
        return "jpeg"
    if data.startswith(PNG_MAGIC):
        return "png"
    return None


def has_trailing_data(data: bytes, kind: str) -> bool:
    """True when bytes follow the image's end marker: the shape of a polyglot file.

    A JPEG ends with EOI (FF D9), possibly padded with zero bytes by some cameras; a PNG ends
    with its IEND chunk. Anything after that (an archive, a script) gets the upload refused.
    """
    if kind == "jpeg":
        return not data.rstrip(b"\x00").endswith(b"\xff\xd9")
    if kind == "png":
        return not data.endswith(PNG_IEND)
    return True


# --- redirects and closing -------------------------------------------------------------------


def safe_redirect_target(url: str | None) -> str:
    """Only same-site relative paths; anything else goes home (no open redirect).

    Browsers drop tabs and line breaks from URLs and treat a backslash like a slash, so
    ``/\\tevil.com`` or ``/\\evil.com`` would leave the site: refuse any such character.
    """
    if not url or not url.startswith("/") or url.startswith("//"):
        return "/"
    if any(ord(ch) <= 32 or ord(ch) == 0x7F or ch == "\\" for ch in url):
        return "/"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "/"
    if parts.scheme or parts.netloc:
        return "/"
    return url[:500]


CLOSED_NAME = "Closed account"


def closed_email(user_id: int) -> str:
    """A unique placeholder that can never receive mail (RFC 2606 reserves ``.invalid``)."""
    return f"closed-{user_id}@closed.invalid"


def totp_code_shape_ok(code: str) -> bool:
    return len(code) == 6 and code.isascii() and code.isdigit()


_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def describe_user_agent(user_agent: str) -> str:
    """A short "Browser on system" for the sessions list; the raw string is not shown."""
    browser = next((name for token, name in _BROWSERS if token in user_agent), None)
    system = next((name for token, name in _SYSTEMS if token in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or system or ""
    return "Other app or browser" if user_agent else "Unknown device"
