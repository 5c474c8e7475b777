"""The API of mentors and experts: the network, matches of mentors to projects, the mentor's
declaration of conflict of interest, and mentoring sessions."""

from flask import g

from grants.api import api
from grants.api import schemas as s
from grants.api.endpoint import endpoint, page_size
from grants.api.fields import encode_cursor
from grants.operations import mentors


def _page(rows: list, key, item) -> dict:
    more = len(rows) > page_size()
    rows = rows[:page_size()]
    return {"items": [item(row) for row in rows],
            "next": encode_cursor(key(rows[-1])) if more else None}


@api.get("/mentors")
@endpoint(s.Page[s.Mentor], query=s.MentorQuery, errors=(403,))
def mentor_list(query: s.MentorQuery):
    """The mentors' network of the caller's programmes (staff), filtered by expertise or
    language"""
    rows = mentors.list_mentors(
        g.api_user, field=query.field and query.field.value,
        language=query.language and query.language.value, programme_id=query.programme_id,
        after_id=query.cursor, limit=page_size() + 1)
    return _page(rows, lambda row: row.mentor.id, s.Mentor.of)


@api.put("/mentors/me")
@endpoint(s.Mentor, body=s.MentorProfileInput, errors=(403,))
def mentor_profile(body: dict):
    """Write the caller's mentor profile: expertise, languages, availability (mentors)"""
    profile = mentors.save_profile(g.api_user, body)
    return s.Mentor.of(mentors.Listed(g.api_user, profile, mentors.active_matches(g.api_user)))


@api.post("/projects/<int:project_id>/mentors")
@endpoint(s.Mentorship, status=201, body=s.MentorshipCreate, errors=(403, 404, 409))
def mentorship_create(project_id: int, body: dict):
    """Match a mentor to a project funded in a programme the caller manages; the mentor is
    mailed to declare"""
    return mentors.match(g.api_user, project_id, body)


@api.get("/mentorships")
@endpoint(s.Page[s.Mentorship], query=s.PageQuery)
def mentorship_list(query: s.PageQuery):
    """The matches the caller may see: theirs as mentor, their startups' projects', their
    programmes'"""
    rows = mentors.mentorships(g.api_user, after_id=query.cursor, limit=page_size() + 1)
    return _page(rows, lambda row: row.mentorship.id, lambda row: row.mentorship)


@api.get("/mentorships/<int:mentorship_id>")
@endpoint(s.Mentorship, errors=(404,))
def mentorship_get(mentorship_id: int):
    """One match"""
    return mentors.get(g.api_user, mentorship_id)[0]


@api.post("/mentorships/<int:mentorship_id>/declaration")
@endpoint(s.Mentorship, body=s.DeclarationRequest, errors=(403, 404, 409))
def mentorship_declare(mentorship_id: int, body: dict):
    """The mentor declares a conflict of interest with the project's organization, or none"""
    return mentors.declare(g.api_user, mentorship_id, body)


@api.post("/mentorships/<int:mentorship_id>/end")
@endpoint(s.Mentorship, body=s.MentorshipEnd, errors=(403, 404, 409))
def mentorship_end(mentorship_id: int, body: dict):
    """End a match, with a reason (the programme's managers); its sessions stay"""
    return mentors.end(g.api_user, mentorship_id, body)


@api.get("/mentorships/<int:mentorship_id>/sessions")
@endpoint(s.Page[s.MentoringSession], query=s.PageQuery, errors=(404,))
def session_list(mentorship_id: int, query: s.PageQuery):
    """The match's sessions (the mentor, the startup, the programme's staff)"""
    rows = mentors.sessions(g.api_user, mentorship_id, after_id=query.cursor,
                            limit=page_size() + 1)
    return _page(rows, lambda row: row.id, lambda row: row)


@api.post("/mentorships/<int:mentorship_id>/sessions")
@endpoint(s.MentoringSession, status=201, body=s.SessionCreate, errors=(403, 404, 409))
def session_create(mentorship_id: int, body: dict):
    """The mentor logs a session held with the startup; its members are mailed"""
    return mentors.log_session(g.api_user, mentorship_id, body)
