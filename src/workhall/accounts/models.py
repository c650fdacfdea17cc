"""Account tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workhall.core.db import Base, UTCDateTime
from workhall.core.models import BigId, IntPk, OptTimestamp, Timestamp

ROLES = ("freelancer", "client", "staff")
STAFF_ROLES = ("support", "trust_safety", "admin")
STATUSES = ("active", "on_hold", "restricted", "suspended", "closed")


class User(Base):
    __tablename__ = "users"

    id: Mapped[IntPk]
    handle: Mapped[str] = mapped_column(String(40), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))  # freelancer | client | staff
    staff_roles: Mapped[str] = mapped_column(String(100), default="")  # comma separated
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[Timestamp]
    email_verified_at: Mapped[OptTimestamp]
    phone_e164: Mapped[str | None] = mapped_column(String(20), nullable=True)
    phone_verified_at: Mapped[OptTimestamp]
    identity_verified_at: Mapped[OptTimestamp]
    connects_plan: Mapped[str] = mapped_column(String(10), default="basic")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[OptTimestamp]
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Staff second factor (trust.md §3): set once the first code has been entered correctly.
    totp_enabled_at: Mapped[OptTimestamp]
    # The last 30-second step a code was accepted for: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    freelancer_profile: Mapped[FreelancerProfile | None] = relationship(
        back_populates="user", uselist=False, lazy="select"
    )
    client_profile: Mapped[ClientProfile | None] = relationship(
        back_populates="user", uselist=False, lazy="select"
    )

    @property
    def is_freelancer(self) -> bool:
        return self.role == "freelancer"

    @property
    def is_client(self) -> bool:
        return self.role == "client"

    @property
    def is_staff(self) -> bool:
        return self.role == "staff"

    @property
    def staff_role_set(self) -> frozenset[str]:
        return frozenset(r for r in self.staff_roles.split(",") if r)

    def has_staff_role(self, *roles: str) -> bool:
        granted = self.staff_role_set
        return "admin" in granted or any(r in granted for r in roles)

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def phone_verified(self) -> bool:
        return self.phone_verified_at is not None

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


class AccountStatusChange(Base):
    """Every change of account status, with actor, reason and time (marketplace.md §1)."""

    __tablename__ = "account_status_changes"

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), nullable=True)
    reason: Mapped[str] = mapped_column(String(500))
    at: Mapped[Timestamp]


class AccountHold(Base):
    """A hold on an account: from ``starts_at`` until ``ends_at`` (open while None).

    Placed and lifted by staff with reasons (marketplace.md §1) or imported with a history
    (interfaces.md §3). The account's status is ``on_hold`` while an open hold covers now; the
    reputation engine reads the rows themselves ("on hold at T", "a hold began in the last 90
    days", reputation.md §2.2 criterion 8, §6)."""

    __tablename__ = "account_holds"
    __table_args__ = (Index("ix_account_holds_user_starts_at", "user_id", "starts_at"),)

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    starts_at: Mapped[Timestamp]
    ends_at: Mapped[OptTimestamp]
    reason: Mapped[str] = mapped_column(String(1000), default="")
    placed_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), nullable=True)
    lifted_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), nullable=True)
    lift_reason: Mapped[str] = mapped_column(String(1000), default="")


class FreelancerProfile(Base):
    __tablename__ = "freelancer_profiles"

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), primary_key=True)
    title: Mapped[str] = mapped_column(String(120), default="")
    overview: Mapped[str] = mapped_column(Text, default="")
    hourly_rate_cents: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    availability: Mapped[str] = mapped_column(String(20), default="available")
    photo_path: Mapped[str | None] = mapped_column(String(200), nullable=True)
    updated_at: Mapped[Timestamp]

    user: Mapped[User] = relationship(back_populates="freelancer_profile")
    skills: Mapped[list[ProfileSkill]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ProfileSkill.skill"
    )
    portfolio: Mapped[list[PortfolioItem]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="PortfolioItem.id"
    )

    @property
    def skill_slugs(self) -> list[str]:
        return [s.skill for s in self.skills]


class ProfileSkill(Base):
    __tablename__ = "profile_skills"

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("freelancer_profiles.user_id"), primary_key=True
    )
    skill: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class PortfolioItem(Base):
    __tablename__ = "portfolio_items"

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("freelancer_profiles.user_id"), index=True
    )
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(2000), default="")
    url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[Timestamp]


class ClientProfile(Base):
    __tablename__ = "client_profiles"

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), primary_key=True)
    company_name: Mapped[str] = mapped_column(String(120), default="")
    payment_method_verified_at: Mapped[OptTimestamp]
    payment_method_last4: Mapped[str | None] = mapped_column(String(4), nullable=True)
    # The payment provider's token of the saved card, charged to fund escrow (§6.2).
    payment_method_token: Mapped[str | None] = mapped_column(String(100), nullable=True)

    user: Mapped[User] = relationship(back_populates="client_profile")

    @property
    def payment_verified(self) -> bool:
        return self.payment_method_verified_at is not None


class WebSession(Base):
    """A browser session; the cookie holds the token, the table only its hash (trust.md §3)."""

    __tablename__ = "web_sessions"

    id: Mapped[IntPk]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[Timestamp]
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[OptTimestamp]
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[IntPk]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    created_at: Mapped[Timestamp]
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[OptTimestamp]
    last_used_at: Mapped[OptTimestamp]


class LoginAttempt(Base):
    """Recent sign-in attempts, for throttling per (account, IP) and per IP (trust.md §3)."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_email_ip_at", "email", "ip", "at"),)

    id: Mapped[IntPk]
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[Timestamp]
    succeeded: Mapped[bool] = mapped_column(Boolean)


class OneTimeToken(Base):
    """Signed-link tokens: email verification and single-use password reset."""

    __tablename__ = "one_time_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[IntPk]
    purpose: Mapped[str] = mapped_column(String(20))  # verify_email | reset_password
    token_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    created_at: Mapped[Timestamp]
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[OptTimestamp]


class PendingLogin(Base):
    """A staff sign-in whose password was right but whose TOTP code is still due (trust.md §3).

    It is not a session: the cookie holding its token opens no page but the code form.
    """

    __tablename__ = "pending_logins"

    id: Mapped[IntPk]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    created_at: Mapped[Timestamp]
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[OptTimestamp]
    wrong_codes: Mapped[int] = mapped_column(Integer, default=0)
    next_url: Mapped[str] = mapped_column(String(500), default="/")
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")


class SecondFactorAttempt(Base):
    """Every TOTP code entered, for throttling wrong codes per account."""

    __tablename__ = "second_factor_attempts"
    __table_args__ = (Index("ix_second_factor_attempts_user_at", "user_id", "at"),)

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    at: Mapped[Timestamp]
    succeeded: Mapped[bool] = mapped_column(Boolean)


class PaymentMethodCheck(Base):
    """Each card a client submitted for verification: limits card testing per account."""

    __tablename__ = "payment_method_checks"
    __table_args__ = (Index("ix_payment_method_checks_user_at", "user_id", "at"),)

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    at: Mapped[Timestamp]
    ok: Mapped[bool] = mapped_column(Boolean)
