"""The fixed vocabularies of the domain."""

from enum import StrEnum


class Role(StrEnum):
    APPLICANT = "applicant"
    REVIEWER = "reviewer"
    MANAGER = "manager"
    AUDITOR = "auditor"
    ADMIN = "admin"
    MENTOR = "mentor"


class Stage(StrEnum):
    PRE_INCUBATION = "pre_incubation"
    INCUBATION = "incubation"
    ACCELERATION = "acceleration"



# Priority fields of the city's programme (BRIEF section 2).
FIELDS = (
    "ecommerce",
    "fintech",
    "logistics",
    "edtech",
    "health",
    "hitech_agriculture",
    "sustainability",
    "digital_transformation",
    "cybersecurity",
)
