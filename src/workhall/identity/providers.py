"""Verification providers (trust.md §2.2: "manual review by default; an automated provider
can be plugged in").

A provider sees a new submission's evidence once, right after it is stored, and answers with a
verdict or with None to leave the decision to the staff queue. ``settings.identity_provider``
names the provider; the default, ``manual``, always leaves it to staff. An automated provider
is a class with a ``name`` and an ``assess`` method, registered with ``register_provider``
(for example from a deployment's own module imported at start-up). A provider that decides
later (a callback from an outside service) answers None now and calls
``service.decide(..., provider=<its name>)`` when it knows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from workhall.core.settings import Settings


@dataclass(frozen=True)
class Evidence:
    """What a provider may look at: the account's name and country, the document's type and
    issuing country, and the two checked files (decrypted, as stored)."""

    submission_id: int
    account_name: str
    account_country: str
    document_type: str
    issuing_country: str
    document: bytes
    document_content_type: str
    selfie: bytes
    selfie_content_type: str


@dataclass(frozen=True)
class Verdict:
    approved: bool
    reason: str | None = None  # required when not approved: the user reads it


class IdentityProvider(Protocol):
    name: str

    def assess(self, evidence: Evidence) -> Verdict | None:
        """A verdict now, or None to leave the submission pending (for staff or later)."""
        ...


class ManualReview:
    """The default: every submission waits for a trust & safety agent."""

    name = "manual"

    def assess(self, evidence: Evidence) -> Verdict | None:
        return None


ProviderFactory = Callable[[Settings], IdentityProvider]
_PROVIDERS: dict[str, ProviderFactory] = {"manual": lambda settings: ManualReview()}


def register_provider(name: str, factory: ProviderFactory) -> None:
    _PROVIDERS[name] = factory


def unregister_provider(name: str) -> None:
    if name != "manual":
        _PROVIDERS.pop(name, None)


def provider_for(settings: Settings) -> IdentityProvider:
    """The configured provider; a name nobody registered is a configuration error."""
    factory = _PROVIDERS.get(settings.identity_provider)
    if factory is None:
        known = ", ".join(sorted(_PROVIDERS))
        raise RuntimeError(
            f"identity_provider={settings.identity_provider!r} is not registered ({known})."
        )
    return factory(settings)
