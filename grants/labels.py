"""Human names, translated, for the machine names of states, actions, stages, fields and roles.

This catalogue is the one place in `grants/` that names workflow states and actions. Ask
`state(name)` and `action(name)`: a name missing here (a new definition's) reads as itself,
made readable, instead of failing.
"""

from flask_babel import lazy_gettext as _l

STATES = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "changes_requested": _l("Changes requested"),
    "ineligible": _l("Ineligible"),
    "in_review": _l("In review"),
    "reviewed": _l("Reviewed"),
    "waitlisted": _l("Waitlisted"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "active": _l("Active"),
    "pilot_testing": _l("Pilot testing"),
    "final_evaluation": _l("Final evaluation"),
    "completed": _l("Completed"),
    "failed": _l("Failed"),
    "terminated": _l("Terminated"),
    "withdrawn": _l("Withdrawn"),
    "promoted": _l("Promoted"),
    # tranches
    "planned": _l("Planned"),
    "requested": _l("Payment requested"),
    "verified": _l("Verified"),
    "released": _l("Released"),
    "paid": _l("Paid"),
}

ACTIONS = {
    "create": _l("Created"),
    "edit": _l("Edited"),
    "upload": _l("Uploaded"),  # a document (grants/operations/documents.py)
    "submit": _l("Submit"),
    "return_for_changes": _l("Return for changes"),
    "resubmit": _l("Resubmit"),
    "declare_ineligible": _l("Declare ineligible"),
    "extend_revision_deadline": _l("Extend the revision deadline"),
    "close_unrevised": _l("Close as not revised"),
    "start_review": _l("Start review"),
    "close_review": _l("Close review"),
    "waitlist": _l("Waitlist"),
    "approve": _l("Approve"),
    "reject": _l("Reject"),
    "sign_agreement": _l("Sign agreement"),
    "start_pilot": _l("Start pilot"),
    "finish_pilot": _l("Finish pilot"),
    "submit_final_report": _l("Submit final report"),
    "pass_evaluation": _l("Pass evaluation"),
    "fail_evaluation": _l("Fail evaluation"),
    "terminate": _l("Terminate"),
    "withdraw": _l("Withdraw"),
    "promote": _l("Promote"),
    # tranches
    "request": _l("Request payment"),
    "return": _l("Return the request"),
    "verify": _l("Verify"),
    "release": _l("Release"),
    "mark_paid": _l("Mark as paid"),
}

PAYLOAD_FIELDS = {
    "reason": _l("Reason"),
    "revision_deadline": _l("Revision deadline"),
    "amount": _l("Amount (VND)"),
    "report": _l("Report"),
    "target_call_id": _l("Target call"),
}

# The workflow engine's payload errors (workflow/payload.py), in the user's language.
PAYLOAD_ERRORS = {
    "is required": _l("This field is required."),
    "must be text": _l("Must be text."),
    "must not contain control or invalid characters":
        _l("Must not contain control or invalid characters."),
    "must be at most 4000 characters": _l("At most %(n)d characters.", n=4000),
    "must be a whole number, 0 or more": _l("Must be a whole number, 0 or more."),
    "must be a positive identifier": _l("Must be a positive identifier."),
    "must be an ISO 8601 date and time": _l("Not a valid date and time (ISO 8601)."),
    "must be an ISO 8601 date": _l("Not a valid date (YYYY-MM-DD)."),
}

STAGES = {
    "pre_incubation": _l("Pre-incubation"),
    "incubation": _l("Incubation"),
    "acceleration": _l("Acceleration"),
}

FIELDS = {
    "ecommerce": _l("E-commerce"),
    "fintech": _l("Fintech"),
    "logistics": _l("Logistics"),
    "edtech": _l("Education technology"),
    "health": _l("Health"),
    "hitech_agriculture": _l("Hi-tech agriculture"),
    "sustainability": _l("Sustainability"),
    "digital_transformation": _l("Digital transformation"),
    "cybersecurity": _l("Cybersecurity"),
}

ROLES = {
    "applicant": _l("Startup"),
    "reviewer": _l("Reviewer"),
    "manager": _l("Programme manager"),
    "auditor": _l("Auditor"),
    "admin": _l("Administrator"),
    "mentor": _l("Mentor"),
    "system": _l("System"),
}


def readable(name: str | None) -> str:
    """A machine name no catalogue knows, made readable: "close_unrevised" → "Close unrevised"."""
    return (name or "").replace("_", " ").capitalize()


def _named(catalogue: dict, name: str | None) -> str:
    return str(catalogue[name]) if name in catalogue else readable(name)


def state(name: str | None) -> str:
    return _named(STATES, name)


def action(name: str | None) -> str:
    return _named(ACTIONS, name)


def role(name: str | None) -> str:
    return _named(ROLES, name)


def stage(name: str | None) -> str:
    return _named(STAGES, name)


def field(name: str | None) -> str:
    return _named(FIELDS, name)


def payload_field(name: str | None) -> str:
    return _named(PAYLOAD_FIELDS, name)
