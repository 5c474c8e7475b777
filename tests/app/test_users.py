"""Administrators keep users and role grants in pages: list and search, create, deactivate
and reactivate, grant and revoke; every change audited; the last administrator protected."""

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import AuditEvent, RoleGrant, User
from grants.operations import Forbidden, Invalid, accounts

PASSWORD = "a long enough password"


@pytest.fixture
def admin(create_user):
    return create_user("admin", email="admin@example.org", name="Quản Trị")


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def grants_of(user_id: int) -> set[tuple[str, int | None]]:
    rows = db.session.execute(select(RoleGrant.role, RoleGrant.programme_id)
                              .where(RoleGrant.user_id == user_id))
    return {tuple(row) for row in rows}


@pytest.mark.parametrize("role", ["applicant", "reviewer", "auditor", "mentor"])
def test_the_users_pages_are_refused_to_non_administrators(client, login, create_user,
                                                           create_programme, role):
    other = create_user("applicant")
    login(create_user(role))
    for path in ("/admin/users", "/admin/users/new", f"/admin/users/{other.id}"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/admin/users/{other.id}/deactivate").status_code == 403
    assert client.post(f"/admin/users/{other.id}/grants",
                       data={"role": "admin", "programme_id": ""}).status_code == 403
    assert client.post("/admin/users/new", data={
        "name": "X", "email": "x@example.org", "password": "a long password"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(User, other.id).active
    assert grants_of(other.id) == {("applicant", None)}
    assert db.session.scalar(select(User.id).where(User.email == "x@example.org")) is None


def test_a_programme_administrator_is_not_a_users_administrator(client, login, create_user,
                                                                create_programme):
    login(create_user("admin", create_programme()))
    assert client.get("/admin/users").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_list_is_ordered_by_email_searched_by_prefix_and_paged(client, login, admin,
                                                                   create_user, monkeypatch):
    for name in ("an", "anh", "binh", "bao", "chi"):
        create_user("applicant", email=f"{name}@example.org")
    login(admin)
    page = client.get("/admin/users?q=B")
    assert page.status_code == 200
    assert page.text.index("bao@example.org") < page.text.index("binh@example.org")
    assert "an@example.org" not in page.text and "chi@example.org" not in page.text
    monkeypatch.setattr(accounts, "USER_PAGE", 2)
    first = client.get("/admin/users?q=a")
    assert "admin@example.org" in first.text and "an@example.org" in first.text
    assert "anh@example.org" not in first.text
    assert "after=an@example.org" in first.text
    rest = client.get("/admin/users?q=a&after=an%40example.org")
    assert "anh@example.org" in rest.text
    assert "admin@example.org" not in rest.text and "binh@example.org" not in rest.text
    assert "after=anh" not in rest.text  # the last page links to no next one


def test_an_administrator_creates_a_user_with_a_programme_role(client, login, admin,
                                                               create_programme):
    programme = create_programme("Chương trình 2024–2028")
    login(admin)
    response = client.post("/admin/users/new", data={
        "name": "Trần Thị Lan", "email": "Lan@Sokhcn.gov.vn", "password": "a long password",
        "role": "manager", "programme_id": str(programme.id)})
    assert response.status_code == 302, response.text
    user = db.session.scalar(select(User).where(User.email == "lan@sokhcn.gov.vn"))
    assert user.name == "Trần Thị Lan"
    assert grants_of(user.id) == {("manager", programme.id)}
    [created] = events("create")[-1:]
    assert created.entity_type == "user" and created.actor_id == admin.id
    assert events("grant_role")[-1].payload == {"role": "manager",
                                                "programme_id": programme.id}
    assert "Chương trình 2024–2028" in client.get(response.headers["Location"]).text


def test_a_bad_new_user_form_keeps_what_was_typed_and_creates_nothing(client, login, admin):
    login(admin)
    response = client.post("/admin/users/new", data={
        "name": "Lê Văn Bình", "email": "admin@example.org", "password": "short",
        "role": "manager", "programme_id": ""})
    assert response.status_code == 422
    assert 'value="Lê Văn Bình"' in response.text and 'value="admin@example.org"' in response.text
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_admin_and_startup_roles_are_not_granted_for_one_programme(admin, create_user,
                                                                   create_programme, english):
    user = create_user("applicant")
    with pytest.raises(Invalid) as refused:
        accounts.grant_role(admin, user.id, {"role": "admin",
                                             "programme_id": create_programme().id})
    assert "every programme" in refused.value.errors["programme_id"]
    assert grants_of(user.id) == {("applicant", None)}


def test_grant_and_revoke_a_role_in_the_pages_each_audited(client, login, admin, create_user,
                                                           create_programme):
    programme = create_programme()
    user = create_user("applicant")
    login(admin)
    response = client.post(f"/admin/users/{user.id}/grants",
                           data={"role": "reviewer", "programme_id": str(programme.id)})
    assert response.status_code == 302
    assert grants_of(user.id) == {("applicant", None), ("reviewer", programme.id)}
    again = client.post(f"/admin/users/{user.id}/grants",
                        data={"role": "reviewer", "programme_id": str(programme.id)})
    assert again.status_code == 422
    grant_id = db.session.scalar(select(RoleGrant.id).where(RoleGrant.user_id == user.id,
                                                            RoleGrant.role == "reviewer"))
    assert client.post(f"/admin/users/{user.id}/grants/{grant_id}/revoke").status_code == 302
    assert grants_of(user.id) == {("applicant", None)}
    assert [e.payload for e in events("revoke_role")] == [
        {"role": "reviewer", "programme_id": programme.id}]
    assert events("revoke_role")[0].actor_role == "admin"


def test_deactivated_users_cannot_log_in_until_reactivated(client, login, admin, create_user,
                                                           app):
    user = create_user("applicant", password=PASSWORD)
    login(admin)
    assert client.post(f"/admin/users/{user.id}/deactivate").status_code == 302
    assert [e.entity_id for e in events("deactivate")] == [user.id]
    other = app.test_client()
    assert other.post("/login", data={"email": user.email,
                                      "password": PASSWORD}).status_code == 401
    assert client.post(f"/admin/users/{user.id}/reactivate").status_code == 302
    assert other.post("/login", data={"email": user.email,
                                      "password": PASSWORD}).status_code == 302
    assert len(events("reactivate")) == 1


def test_an_administrator_cannot_deactivate_themselves(client, login, admin):
    login(admin)
    response = client.post(f"/admin/users/{admin.id}/deactivate")
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(User, admin.id).active
    assert events("deactivate") == []


def test_the_last_administrator_grant_cannot_be_revoked(client, login, admin, create_user):
    login(admin)
    grant_id = db.session.scalar(select(RoleGrant.id).where(RoleGrant.user_id == admin.id))
    response = client.post(f"/admin/users/{admin.id}/grants/{grant_id}/revoke")
    assert response.status_code == 422
    assert grants_of(admin.id) == {("admin", None)}
    second = create_user("admin")
    assert client.post(f"/admin/users/{admin.id}/grants/{grant_id}/revoke").status_code == 302
    assert grants_of(admin.id) == set()
    with pytest.raises(Forbidden):  # no longer an administrator
        accounts.revoke_role(admin, second.id, second.grants[0].id)


def test_an_inactive_administrator_does_not_count_as_the_remaining_one(admin, create_user,
                                                                       english):
    other = create_user("admin")
    accounts.set_user_active(admin, other.id, False)
    with pytest.raises(Invalid, match="last"):
        accounts.revoke_role(admin, admin.id, admin.grants[0].id)
