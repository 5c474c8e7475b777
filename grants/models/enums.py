"""The fixed vocabularies of the domain."""

from enum import StrEnum


class Role(StrEnum):
    APPLICANT = "applicant"
    REVIEWER = "reviewer"
    MANAGER = "manager"
    AUDITOR = "auditor"
    ADMIN = "admin"


class Stage(StrEnum):
    PRE_INCUBATION = "pre_incubation"
    INCUBATION = "incubation"
    ACCELERATION = "acceleration"

    @property
    def next(self) -> "Stage | None":
        order = list(Stage)
        index = order.index(self)
        return order[index + 1] if index + 1 < len(order) else None


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
