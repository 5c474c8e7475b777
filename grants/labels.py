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
    "set_agreement": _l("Agreement's tranches set"),  # grants/operations/funding.py
    "set_pilot": _l("Pilot recorded"),  # grants/operations/pilots.py
    "set_evaluation": _l("Evaluation recorded"),
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
    "payment_reference": _l("Payment reference (bank transfer no.)"),
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


# A pilot's or a final evaluation's verdict (grants/models/pilots.py).
VERDICTS = {"passed": _l("Passed"), "failed": _l("Not passed")}


def verdict(name: str | None) -> str:
    return _named(VERDICTS, name)


# The languages a mentor advises in (grants/models/mentors.py LANGUAGES).
LANGUAGES = {"vi": _l("Vietnamese"), "en": _l("English"), "fr": _l("French"),
             "de": _l("German"), "ja": _l("Japanese"), "ko": _l("Korean"), "zh": _l("Chinese")}


def language(code: str | None) -> str:
    return _named(LANGUAGES, code)


# What an application's history names its children by.
ENTITIES = {
    "tranche": _l("Tranche"),
    "document": _l("Document"),
    "review": _l("Review"),
    "review_assignment": _l("Reviewer"),
}


def entity(name: str | None) -> str:
    return _named(ENTITIES, name)


# --- the applicant's path ---------------------------------------------------------------------

# The fields of the application form's common part (and of a revision's changes).
COMMON_PART = {
    "title": _l("Project title"),
    "summary": _l("Project summary"),
    "field": _l("Field"),
    "team": _l("Team"),
    "requested_amount": _l("Requested amount (VND)"),
    "budget.labour": _l("Labour costs (VND)"),
    "budget.other": _l("Other costs (VND)"),
    "milestones": _l("Milestone plan"),
}

SECTIONS = {
    "project": _l("Project"),
    "team": _l("Team"),
    "budget": _l("Budget plan"),
    "milestones": _l("Milestones"),
    "questions": _l("Questions of the call"),
    "documents": _l("Documents"),
}

SECTION_STATUS = {
    "not_started": _l("Not started"),
    "in_progress": _l("In progress"),
    "complete": _l("Completed"),
}

# What the startup reads for a state on its timeline, where it differs from the staff's name.
APPLICANT_STATES = {
    "draft": _l("Started"),
    "submitted": _l("Submitted"),
    "changes_requested": _l("Changes requested"),
    "ineligible": _l("Not eligible"),
    "in_review": _l("Being reviewed by the council"),
    "reviewed": _l("Review finished"),
    "waitlisted": _l("On the waiting list"),
    "approved": _l("Approved for funding"),
    "rejected": _l("Not selected"),
    "active": _l("Agreement signed: project under way"),
    "pilot_testing": _l("Pilot under way"),
    "final_evaluation": _l("Final report under evaluation"),
    "completed": _l("Completed"),
    "failed": _l("Final evaluation not passed"),
    "terminated": _l("Support ended"),
    "withdrawn": _l("Withdrawn"),
    "promoted": _l("Moved up to the next stage"),
}

# What happens next, for the startup, in each state.
NEXT_STEPS = {
    "draft": _l("Complete every section, check your answers and submit before the call "
                "closes. You can save and come back at any time."),
    "submitted": _l("The programme checks that the application is complete and eligible. "
                    "If something is missing, they ask you for changes by email."),
    "changes_requested": _l("Make the requested changes and resubmit before the revision "
                            "deadline."),
    "ineligible": _l("The application does not meet the call's conditions. The reason is in "
                     "the history below."),
    "in_review": _l("Council members score the application against the call's criteria. "
                    "This usually takes a few weeks."),
    "reviewed": _l("The programme compares the scores and decides. You will get an email."),
    "waitlisted": _l("The application passed but the call's budget is taken for now. If "
                     "money becomes free, the programme may still approve it."),
    "approved": _l("The programme prepares the support agreement and its payment tranches."),
    "rejected": _l("The application was not selected in this call. You may apply to a later "
                   "call."),
    "active": _l("Carry out the milestones; request each tranche with a short report."),
    "pilot_testing": _l("Run the pilot with the host partner and record its results."),
    "final_evaluation": _l("The programme evaluates the final report."),
    "completed": _l("The project is complete. It may be promoted to the next stage."),
    "failed": _l("The final evaluation was not passed. The reason is in the history below."),
    "terminated": _l("Support has ended. The reason is in the history below."),
    "withdrawn": _l("You withdrew the application. Nothing more happens with it."),
    "promoted": _l("The project continues in a call of the next stage."),
}


def applicant_state(name: str | None) -> str:
    return _named(APPLICANT_STATES, name) if name in APPLICANT_STATES else state(name)


def next_step(name: str | None) -> str:
    return str(NEXT_STEPS[name]) if name in NEXT_STEPS else ""
