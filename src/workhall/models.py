"""Imports every feature's tables so ``Base.metadata`` is complete (migrations, tests)."""

from workhall.accounts import models as accounts_models  # noqa: F401
from workhall.audit import models as audit_models  # noqa: F401
from workhall.connects import models as connects_models  # noqa: F401
from workhall.core import idempotency  # noqa: F401
from workhall.core.db import Base
from workhall.jobs import models as jobs_models  # noqa: F401
from workhall.notifications import models as notifications_models  # noqa: F401
from workhall.proposals import models as proposals_models  # noqa: F401
from workhall.verification import models as verification_models  # noqa: F401

metadata = Base.metadata
