"""Who reads the audit log: auditors and administrators of every programme. They read every
event of every programme; a grant for one programme does not open a log that spans them all.
Nothing here changes anything: the log is append-only, and verification only reads."""

from grants.models import Role, User

LOG_READERS = (Role.AUDITOR.value, Role.ADMIN.value)


def can_read_log(user: User) -> bool:
    return any(g.role in LOG_READERS and g.programme_id is None
               for g in getattr(user, "grants", ()))
