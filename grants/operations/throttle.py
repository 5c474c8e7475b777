"""Throttling of logins, second-factor codes and registrations.

Failed attempts are rows of `login_throttle`, so every server process behind the load balancer
counts the same ones (nothing lives in process memory). A key is refused while it has `limit`
failures younger than `window`; the answer is 429 with the seconds until the oldest of them
ages out. Refused attempts are not counted again: a locked key opens by itself, one attempt at
a time, as its failures age.
"""

import hashlib
import math
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select

from grants.extensions import db
from grants.models import LoginThrottle, utcnow
from grants.operations.errors import TooManyAttempts

KEPT = timedelta(days=1)  # rows older than every window are purged as new ones come


@dataclass(frozen=True)
class Limit:
    name: str
    limit: int
    window: timedelta

    def key(self, value: str) -> str:
        return f"{self.name}:{value}"[:100]


# Per account (the email, known or not), per address, per account's second factor, and
# registrations per address.
ACCOUNT = Limit("account", 5, timedelta(minutes=15))
ADDRESS = Limit("address", 30, timedelta(minutes=15))
SECOND_FACTOR = Limit("second_factor", 5, timedelta(minutes=15))
REGISTRATION = Limit("register", 30, timedelta(hours=1))  # a venue's one address


def email_key(email: str) -> str:
    """An email is counted under its hash: the table keeps no address a person mistyped."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def check(*keys: tuple[Limit, str]) -> None:
    """Refuse (TooManyAttempts, 429) if any key has reached its limit; one indexed count per
    key."""
    now = utcnow()
    wait = 0.0
    for limit, value in keys:
        count, oldest = db.session.execute(
            select(func.count(), func.min(LoginThrottle.at))
            .where(LoginThrottle.key == limit.key(value),
                   LoginThrottle.at > now - limit.window)).one()
        if count >= limit.limit:
            wait = max(wait, (oldest + limit.window - now).total_seconds())
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise TooManyAttempts(
            _("Too many attempts. Try again in %(minutes)d minutes.",
              minutes=math.ceil(seconds / 60)), retry_after=seconds)


def record(*keys: tuple[Limit, str]) -> None:
    """Count a failure against each key, in the caller's transaction; purge rows older than
    every window."""
    now = utcnow()
    db.session.execute(insert(LoginThrottle),
                       [{"key": limit.key(value), "at": now} for limit, value in keys])
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.at < now - KEPT))


def clear(limit: Limit, value: str) -> None:
    """Forget a key's failures (a successful login clears its account's), in the caller's
    transaction."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == limit.key(value)))
