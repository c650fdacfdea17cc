"""One settings object for every number of the spec (interfaces.md §4).

Read from ``WORKHALL_*`` environment variables and an optional ``.env`` file.
Tests use the defaults, which are the spec's numbers.
"""

from __future__ import annotations

import secrets
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# spec: marketplace.md §4.2 — (upper bound in cents exclusive, connects); the last row has no bound.
DEFAULT_FIXED_PRICE_TABLE: list[tuple[int | None, int]] = [
    (5_000, 2),
    (60_000, 4),
    (200_000, 8),
    (500_000, 12),
    (None, 16),
]
DEFAULT_HOURLY_PRICE_TABLE: dict[str, int] = {"lt1m": 4, "1to3m": 8, "3to6m": 12, "gt6m": 16}
# spec: marketplace.md §6.2 — the default freelancer service fee: flat 10%.
DEFAULT_FEE_SCHEDULE: list[tuple[int | None, int]] = [(None, 1000)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WORKHALL_", env_file=".env", extra="ignore")

    # --- deployment -------------------------------------------------------------------------
    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("data")
    database_url: str | None = None
    secret_key: str | None = None
    base_url: str = "http://127.0.0.1:8000"
    require_phone_verification: bool = True
    require_email_verification: bool = True
    sms_backend: Literal["log", "http"] = "log"
    sms_http_url: str | None = None
    email_backend: Literal["log", "smtp"] = "log"
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    email_from: str = "Workhall <no-reply@workhall.local>"
    session_cookie_secure: bool | None = None  # None: secure in production only
    session_max_age_days: int = 14
    api_token_max_age_days: int = 90

    # --- accounts (marketplace.md §1, trust.md §3) -------------------------------------------
    password_min_length: int = 12
    password_max_length: int = 128
    login_ip_pair_free_failures: int = 3
    login_pair_base_delay_seconds: float = 1.0
    login_pair_max_delay_seconds: float = 900.0
    login_ip_max_failures_per_hour: int = 50
    login_lock_after_failures: int = 100
    password_reset_ttl_seconds: int = 3600
    email_verification_ttl_seconds: int = 7 * 24 * 3600
    # Where the spec is silent (docs/accounts.md): profile limits, link and card throttles, TOTP.
    profile_hourly_rate_min_cents: int = 300
    profile_hourly_rate_max_cents: int = 99_900
    profile_portfolio_max_items: int = 20
    profile_photo_max_bytes: int = 5 * 1024 * 1024
    profile_photo_size_px: int = 400
    email_links_max_per_hour: int = 5
    second_factor_ttl_seconds: int = 300
    second_factor_max_codes_per_login: int = 5
    payment_method_max_checks_per_day: int = 10

    # --- jobs (marketplace.md §2, §3) --------------------------------------------------------
    job_expiry_days: int = 30
    job_filled_after_last_hire_days: int = 30
    job_max_proposals: int = 50
    job_skills_min: int = 1
    job_skills_max: int = 10
    profile_skills_min: int = 1
    profile_skills_max: int = 15
    cover_letter_max_length: int = 5000
    search_page_size: int = 20
    search_count_cap: int = 1000

    # --- connects (marketplace.md §4) --------------------------------------------------------
    connects_plan_basic_monthly: int = 10
    connects_plan_plus_monthly: int = 80
    connects_plan_plus_price_cents: int = 1499
    connects_lot_lifetime_days: int = 365
    connects_refund_min_lifetime_days: int = 30
    connects_unit_price_cents: int = 15
    connects_bundle_sizes: list[int] = Field(default_factory=lambda: [10, 20, 40, 60, 80])
    connects_fixed_price_table: list[tuple[int | None, int]] = Field(
        default_factory=lambda: list(DEFAULT_FIXED_PRICE_TABLE)
    )
    connects_hourly_price_table: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_HOURLY_PRICE_TABLE)
    )
    boost_slots: int = 4
    boost_auction_days: int = 7
    boost_min_bid: int = 1
    connects_history_page_size: int = 20
    connects_task_batch_size: int = 500  # users or lots per transaction in the worker tasks
    boost_max_bid: int = 1000  # spec is silent: a sanity bound on one bid (docs/proposals.md)

    # --- payments (marketplace.md §6) --------------------------------------------------------
    client_fee_basis_points: int = 300
    milestone_min_cents: int = 500
    # §6.2 freelancer service fee: tiers (exclusive upper bound of the pair's lifetime
    # billings in cents, or None for the last tier; basis points). Default flat 10%;
    # ``workhall.ledger.rules.SLIDING_2016`` is the 2016 sliding scale.
    fee_schedule: list[tuple[int | None, int]] = Field(
        default_factory=lambda: list(DEFAULT_FEE_SCHEDULE)
    )
    hourly_available_days_after_week: int = 10  # §5: available 10 days after the billed week
    withdrawal_min_cents: int = 100  # spec is silent: no withdrawal under $1 (docs/payments.md)
    withdrawal_max_cents: int = 100_000_000  # a sanity bound on one withdrawal ($1,000,000)
    payout_methods_max: int = 10  # per user
    payments_task_batch_size: int = 500  # payments matured per transaction by the worker
    ledger_page_size: int = 50

    # --- offers and contracts (marketplace.md §5; docs/contracts.md) -------------------------
    offer_expiry_days: int = 14  # spec is silent: a pending offer lapses after this
    offer_max_milestones: int = 20
    milestone_max_cents: int = 100_000_000  # a sanity bound on one milestone ($1,000,000)
    offer_hourly_rate_min_cents: int = 100
    offer_hourly_rate_max_cents: int = 100_000
    offer_weekly_limit_min_hours: int = 1
    offer_weekly_limit_max_hours: int = 80
    auto_approve_days: int = 14
    security_hold_days: int = 5  # §6.3: released fixed-price money is pending this long
    escrow_return_days: int = 7
    contracts_task_batch_size: int = 200
    # hourly contracts (§5 "Hourly"; docs/hourly.md)
    hourly_dispute_weekday: int = 4  # §5: disputes until Friday (Monday = 0) of the invoicing week
    hourly_dispute_time: time = time(23, 59, 59)  # … 23:59:59 UTC
    hourly_minutes_step: int = 15  # time is logged in 15-minute blocks
    hourly_charge_retry_hours: int = 24  # a declined invoice charge is retried this often
    hourly_task_batch_size: int = 200
    # --- disputes (marketplace.md §5; docs/disputes.md) ------------------------------------
    dispute_window_days: int = 7  # §5: the freelancer may dispute within 7 days
    dispute_answer_days: int = 5  # §5: the client has 5 days to answer
    disputes_task_batch_size: int = 200
    disputes_page_size: int = 50

    # --- messages, notifications and feedback (marketplace.md §7, §8) -----------------------
    message_max_length: int = 5000
    messages_page_size: int = 50
    threads_page_size: int = 50
    message_email_min_gap_minutes: int = 15  # at most one email per thread and recipient
    thread_open_days_after_end: int = 30  # a contract (or proposal) thread stays writable
    notifications_page_size: int = 30
    feedback_window_days: int = 14
    feedback_comment_max_length: int = 5000
    feedback_reason_max_length: int = 2000
    feedback_page_size: int = 10
    feedback_task_batch_size: int = 200

    # --- phone verification (trust.md §2.1) --------------------------------------------------
    otp_ttl_seconds: int = 600
    otp_max_wrong_attempts_per_day: int = 5
    otp_max_sends_per_account_per_day: int = 5
    otp_min_seconds_between_sends: int = 60
    otp_max_sends_per_number_per_day: int = 10
    otp_retention_days: int = 30  # codes and checks are purged after this (abuse review window)
    sms_http_token: str | None = None  # bearer token of the HTTP SMS gateway
    sms_http_timeout_seconds: float = 10.0

    # --- reputation (reputation.md) ----------------------------------------------------------
    # §1: the JSS is computed from history; these are the spec's numbers, kept together here.
    jss_top_rated_min: int = 90
    jss_grace_floor: int = 80
    top_rated_eligible_weeks: int = 13  # of the 16 most recent Mondays
    top_rated_weeks_considered: int = 16
    top_rated_min_earnings_cents: int = 100_000
    top_rated_min_tenure_days: int = 90
    top_rated_activity_days: int = 90
    top_rated_hold_lookback_days: int = 90
    top_rated_plus_min_earnings_cents: int = 1_000_000
    top_rated_plus_large_client_cents: int = 500_000
    # §3: the Rising Talent pilot.
    pilot_seed: str = "rising-talent"
    pilot_control_percent: int = Field(default=20, ge=0, le=100)
    rising_talent_award_connects: int = 30
    rising_talent_max_account_age_days: int = 365
    rising_talent_new_account_days: int = 30
    readiness_questions: int = 10
    readiness_pass_mark: int = 8
    readiness_retake_hours: int = 24
    pilot_first_contract_days: int = 60
    pilot_earnings_days: int = 90
    # §2.5: premium support first-response targets.
    support_priority_response_hours: int = 4
    support_standard_response_hours: int = 24
    top_rated_invitation_suggestions: int = 10
    evaluation_batch_size: int = 2000  # freelancers per committed step of an evaluation

    # --- trust and safety (trust.md) ---------------------------------------------------------
    conduct_min_ended_contracts: int = 5
    conduct_harsh_score_below: str = "3.00"
    conduct_others_average_at_least: str = "4.50"
    conduct_others_min_scores: int = 2
    conduct_min_distinct_freelancers: int = 3
    conduct_share_percent: int = 40
    conduct_poor_work_again_at_most: int = 4
    conduct_disputes_lost: int = 2
    conduct_window_days: int = 365
    conduct_overdue_days: int = 7
    conduct_auto_monitoring_days: int = 7
    conduct_monitoring_days: int = 90
    conduct_min_monitored_contracts: int = 3
    conduct_appeal_days: int = 30
    identity_max_file_bytes: int = 10 * 1024 * 1024
    identity_document_retention_days: int = 30
    identity_provider: str = "manual"  # manual | a plugged-in automated provider
    file_encryption_key: str | None = None  # Fernet key; generated in the data folder if unset

    # --- demo ---------------------------------------------------------------------------------
    demo_seed: int = 20261125

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def cookie_secure(self) -> bool:
        if self.session_cookie_secure is not None:
            return self.session_cookie_secure
        return self.is_production

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'workhall.sqlite3').resolve()}"

    def resolved_secret_key(self) -> str:
        """The configured key, or one generated once and kept in the data folder (trust.md §3)."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key

    def resolved_file_encryption_key(self) -> bytes:
        """The Fernet key for files at rest: configured, or generated once in the data folder."""
        if self.file_encryption_key:
            return self.file_encryption_key.encode()
        path = self.data_dir / "file_encryption_key"
        if path.exists():
            return path.read_text().strip().encode()
        from cryptography.fernet import Fernet

        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = Fernet.generate_key()
        path.write_bytes(key)
        path.chmod(0o600)
        return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
