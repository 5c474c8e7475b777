"""The API of reviews: assignments, declarations, scoring, reading reviews, the ranking."""

import base64
import json

from flask import g
from flask_babel import gettext as _

from grants.api import api
from grants.api import schemas as s
from grants.api.endpoint import endpoint, page_size
from grants.api.fields import encode_cursor
from grants.inputs import MAX_ID
from grants.operations import Invalid, reviews


@api.post("/applications/<int:application_id>/assignments")
@endpoint(s.Assignment, status=201, body=s.AssignmentCreate, errors=(403, 404, 409))
def assignment_create(application_id: int, body: dict):
    """Assign a reviewer to an application (managers)"""
    return s.Assignment.of(reviews.assign(g.api_user, application_id, body))


@api.delete("/applications/<int:application_id>/assignments/<int:assignment_id>")
@endpoint(s.Assignment, errors=(403, 404, 409))
def assignment_delete(application_id: int, assignment_id: int):
    """Remove a reviewer from an application (managers)"""
    return s.Assignment.of(reviews.unassign(g.api_user, application_id, assignment_id))


@api.get("/applications/<int:application_id>/assignments")
@endpoint(s.AssignmentList, errors=(403, 404))
def assignment_list_of_application(application_id: int):
    """An application's reviewers, removed ones too (staff)"""
    return {"items": [s.Assignment.of(a) for a in
                      reviews.assignments_of_application(g.api_user, application_id)]}


@api.post("/calls/<int:call_id>/assignments/auto")
@endpoint(s.AssignmentList, status=201, body=s.AutoAssign, errors=(403, 404, 409))
def assignment_auto(call_id: int, body: dict):
    """Assign reviewers to every application of a call awaiting review (managers)"""
    return {"items": [s.Assignment.of(a) for a in reviews.auto_assign(g.api_user, call_id, body)]}


@api.get("/assignments")
@endpoint(s.Page[s.Assignment], query=s.PageQuery)
def assignment_queue(query: s.PageQuery):
    """The caller's review queue, newest first"""
    rows = reviews.list_my_assignments(g.api_user, before_id=query.cursor,
                                       limit=page_size() + 1)
    more = len(rows) > page_size()
    rows = rows[:page_size()]
    return {"items": [s.Assignment.of(a) for a in rows],
            "next": encode_cursor(rows[-1].id) if more else None}


@api.post("/assignments/<int:assignment_id>/declaration")
@endpoint(s.Assignment, body=s.DeclarationRequest, errors=(404, 409))
def assignment_declaration(assignment_id: int, body: dict):
    """Declare no conflict of interest, or recuse with a reason (the assigned reviewer)"""
    return s.Assignment.of(reviews.declare(g.api_user, assignment_id, body))


@api.put("/assignments/<int:assignment_id>/review")
@endpoint(s.Review, body=s.ReviewSave, errors=(404, 409))
def review_save(assignment_id: int, body: dict):
    """Save or submit the review (the assigned reviewer)"""
    review = reviews.save_review(g.api_user, assignment_id, body)
    return s.Review.of(reviews.Visible(review, review.assignment, g.api_user, True))


@api.post("/assignments/<int:assignment_id>/review/reopen")
@endpoint(s.Review, body=s.ReopenRequest, errors=(403, 404, 409))
def review_reopen(assignment_id: int, body: dict):
    """Reopen a submitted review, with a reason (managers)"""
    review = reviews.reopen(g.api_user, assignment_id, body)
    return s.Review.of(reviews.Visible(review, review.assignment, review.assignment.reviewer,
                                       False))


@api.get("/applications/<int:application_id>/reviews")
@endpoint(s.ReviewList, errors=(403, 404))
def review_list(application_id: int):
    """An application's reviews, as the visibility rules allow"""
    return {"items": [s.Review.of(v) for v in reviews.reviews_of(g.api_user, application_id)]}


@api.get("/applications/<int:application_id>/review-comments")
@endpoint(s.ReviewCommentList, errors=(403, 404))
def review_comments(application_id: int):
    """The reviews' comments, anonymised, for the applicant once decided (where the call
    shares them)"""
    comments = reviews.shared_comments(g.api_user, application_id)
    return {"items": [{"number": n, "comment": c} for n, c in enumerate(comments, 1)]}


def _after(cursor: str | None) -> tuple[float, int] | None:
    if cursor is None:
        return None
    try:
        value, last_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(value, int | float) or isinstance(value, bool) \
                or not isinstance(last_id, int) or not 1 <= last_id <= MAX_ID:
            raise ValueError
        return float(value), last_id
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeError):
        raise Invalid(_("Some fields are not valid."),
                      {"cursor": _("Not a cursor this list gave.")}) from None


@api.get("/calls/<int:call_id>/ranking")
@endpoint(s.Page[s.RankingRow], query=s.RankingQuery, errors=(403, 404))
def call_ranking(call_id: int, query: s.RankingQuery):
    """The call's ranking: mean, spread, disagreement, normalised score (staff)"""
    sort = query.sort.lstrip("-")
    rows = reviews.ranking(g.api_user, call_id, sort=sort, descending=query.sort.startswith("-"),
                           after=_after(query.cursor), limit=page_size() + 1)
    more = len(rows) > page_size()
    rows = rows[:page_size()]
    cursor = base64.urlsafe_b64encode(json.dumps(
        [rows[-1].key, rows[-1].application_id]).encode()).decode() if more else None
    return {"items": rows, "next": cursor}
