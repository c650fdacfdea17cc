"""Imports every feature's tables so ``Base.metadata`` is complete (migrations, tests)."""

from workhall.accounts import models as accounts_models  # noqa: F401
from workhall.audit import models as audit_models  # noqa: F401
from workhall.community import models as community_models  # noqa: F401
from workhall.conduct import models as conduct_models  # noqa: F401
from workhall.connects import models as connects_models  # noqa: F401
from workhall.contracts import models as contracts_models  # noqa: F401
from workhall.core import idempotency  # noqa: F401
from workhall.core.db import Base
from workhall.disputes import models as disputes_models  # noqa: F401
from workhall.feedback import models as feedback_models  # noqa: F401
from workhall.identity import models as identity_models  # noqa: F401
from workhall.jobs import models as jobs_models  # noqa: F401
from workhall.ledger import models as ledger_models  # noqa: F401
from workhall.messages import models as messages_models  # noqa: F401
from workhall.notifications import models as notifications_models  # noqa: F401
from workhall.payments import models as payments_models  # noqa: F401
from workhall.proposals import models as proposals_models  # noqa: F401
from workhall.reputation import models as reputation_models  # noqa: F401
from workhall.support import models as support_models  # noqa: F401
from workhall.timesheets import models as timesheets_models  # noqa: F401
from workhall.verification import models as verification_models  # noqa: F401

metadata = Base.metadata
