"""The startup's team: the owner invites co-applicants by email with a one-time link, removes
members and cancels invitations; members see the team and edit the startup's drafts."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from grants import outbox
from grants.extensions import db
from grants.models import AuditEvent, Invitation, Membership, Notification, User, utcnow
from grants.operations import Conflict, Forbidden, applications, organizations


@pytest.fixture
def team(create_user, create_organization):
    """An owner, their startup, and the person they will invite (with an account)."""
    owner = create_user("applicant", name="Chủ Sở Hữu")
    organization = create_organization(owner, name="Nông Sạch")
    invitee = create_user("applicant", email="lan@example.org", name="Trần Thị Lan")
    return owner, organization, invitee


def link_of(notification: Notification) -> str:
    return notification.context["url"]


def invited(owner, organization, email="lan@example.org") -> str:
    """The owner invites `email`; the path of the link in the mail."""
    organizations.invite(owner, organization.id, {"email": email})
    row = db.session.scalars(select(Notification).where(
        Notification.message == "team_invitation", Notification.recipient_email == email)
        .order_by(Notification.id.desc())).first()
    return link_of(row)


def members_of(organization) -> set[int]:
    return set(db.session.scalars(select(Membership.user_id).where(
        Membership.organization_id == organization.id)))


def test_the_owner_invites_by_email_and_a_mail_with_a_one_time_link_is_queued(team, api):
    owner, organization, invitee = team
    response = api(owner).post(f"/organizations/{organization.id}/invitations",
                               json={"email": " Lan@Example.org "})
    assert response.status_code == 201, response.text
    body = response.get_json()
    assert body["email"] == "lan@example.org" and body["accepted_at"] is None
    invitation = db.session.get(Invitation, body["id"])
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    [mail] = db.session.scalars(select(Notification).where(
        Notification.message == "team_invitation")).all()
    assert mail.recipient_email == "lan@example.org" and mail.recipient_id == invitee.id
    token = mail.context["url"].removeprefix("/invitations/")
    assert len(token) >= 40 and token not in invitation.token_hash  # only its hash is kept
    assert mail.context["organization"] == "Nông Sạch"
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "invite_member")).one()
    assert event.actor_id == owner.id and event.payload["email"] == "lan@example.org"


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_the_invitation_mail_reads_well_in_both_languages(team, locale):
    owner, organization, invitee = team
    invitee.locale = locale
    db.session.commit()
    organizations.invite(owner, organization.id, {"email": invitee.email})
    row = db.session.scalars(select(Notification)).one()
    mail = outbox.render(row.message, row.locale, row.context, name=invitee.name)
    sentence = {"vi": "mời bạn tham gia nhóm của doanh nghiệp khởi nghiệp “Nông Sạch”",
                "en": "invites you to join the team of the startup “Nông Sạch”"}[locale]
    assert sentence in mail.text and sentence in mail.html
    assert "Chủ Sở Hữu" in mail.subject
    assert "http://" in mail.text and "/invitations/" in mail.text
    assert mail.html.count(row.context["url"]) >= 1


def test_someone_without_an_account_gets_the_mail_in_the_inviters_language(team, client,
                                                                           login):
    owner, organization, _ = team
    login(owner)
    client.post("/language/en")
    response = client.post(f"/organizations/{organization.id}/invitations",
                           data={"email": "new@example.org"})
    assert response.status_code == 302
    row = db.session.scalars(select(Notification)).one()
    assert (row.recipient_id, row.recipient_email, row.locale) == (None, "new@example.org", "en")


def test_the_invited_account_opens_the_link_and_joins_as_a_member(team, client, login):
    owner, organization, invitee = team
    path = invited(owner, organization)
    login(invitee)
    page = client.get(path)
    assert page.status_code == 200 and "Nông Sạch" in page.text
    assert members_of(organization) == {owner.id}  # opening the link changes nothing
    response = client.post(path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/organizations/{organization.id}"
    assert members_of(organization) == {owner.id, invitee.id}
    membership = db.session.get(Membership, {"organization_id": organization.id,
                                             "user_id": invitee.id})
    assert membership.role == "member"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "join")).one()
    assert event.actor_id == invitee.id and event.entity_id == organization.id


def test_someone_who_registers_with_the_invited_email_joins_after_registering(
        team, client, register):
    owner, organization, _ = team
    path = invited(owner, organization, "minh@example.org")
    page = client.get(path)
    assert page.status_code == 200
    assert f'href="/register?next={path}"' in page.text
    assert f'href="/login?next={path}"' in page.text
    response = register("minh@example.org", "Minh", next=path)
    assert response.status_code == 302 and response.headers["Location"] == path
    assert client.post(path).status_code == 302
    assert len(members_of(organization)) == 2


def test_a_used_link_cannot_be_used_again(team, client, login):
    owner, organization, invitee = team
    path = invited(owner, organization)
    login(invitee)
    assert client.post(path).status_code == 302
    again = client.post(path)
    assert again.status_code == 409
    assert "đã được sử dụng" in again.text  # "already used", in Vietnamese (the default)
    assert client.get(path).status_code == 409


def test_an_expired_link_is_refused_with_a_clear_message(team, client, login):
    owner, organization, invitee = team
    path = invited(owner, organization)
    invitation = db.session.scalars(select(Invitation)).one()
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    login(invitee)
    client.post("/language/en")
    response = client.post(path)
    assert response.status_code == 409
    assert "This invitation link has expired" in response.text
    assert members_of(organization) == {owner.id}


def test_a_link_opened_by_another_account_is_refused_and_stays_usable(team, client, login,
                                                                      create_user):
    owner, organization, invitee = team
    path = invited(owner, organization)
    intruder = create_user("applicant")
    login(intruder)
    client.post("/language/en")
    response = client.post(path)
    assert response.status_code == 403
    assert "sent to another email address" in response.text
    assert members_of(organization) == {owner.id}
    with pytest.raises(Forbidden):
        organizations.accept_invitation(intruder, path.removeprefix("/invitations/"))
    organizations.accept_invitation(invitee, path.removeprefix("/invitations/"))
    assert invitee.id in members_of(organization)


def test_an_unknown_link_is_not_found(client, login, create_user):
    login(create_user("applicant"))
    assert client.get("/invitations/" + "x" * 43).status_code == 404
    assert client.post("/invitations/short").status_code == 404


def test_a_cancelled_invitation_link_no_longer_works(team, client, login):
    owner, organization, invitee = team
    path = invited(owner, organization)
    invitation = db.session.scalars(select(Invitation)).one()
    login(owner)
    response = client.post(
        f"/organizations/{organization.id}/invitations/{invitation.id}/cancel")
    assert response.status_code == 302
    client.post("/logout")
    login(invitee)
    assert client.post(path).status_code == 409
    assert members_of(organization) == {owner.id}
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "cancel_invitation")) == 1


def test_the_same_email_cannot_be_invited_twice_while_the_first_is_open(team, api):
    owner, organization, invitee = team
    client = api(owner)
    assert client.post(f"/organizations/{organization.id}/invitations",
                       json={"email": invitee.email}).status_code == 201
    again = client.post(f"/organizations/{organization.id}/invitations",
                        json={"email": invitee.email}, headers={"Accept-Language": "en"})
    assert again.status_code == 422
    assert "still open" in again.get_json()["errors"]["email"]
    member = client.post(f"/organizations/{organization.id}/invitations",
                         json={"email": owner.email}, headers={"Accept-Language": "en"})
    assert member.status_code == 422
    assert "already in the team" in member.get_json()["errors"]["email"]


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "two@@example.org", ""])
def test_a_bad_email_is_refused_and_no_mail_is_queued(team, api, email):
    owner, organization, _ = team
    response = api(owner).post(f"/organizations/{organization.id}/invitations",
                               json={"email": email})
    assert response.status_code == 422
    assert "email" in response.get_json()["errors"]
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_a_member_who_is_not_the_owner_cannot_invite_or_remove(team, api, client, login,
                                                              create_user):
    owner, organization, invitee = team
    organizations.accept_invitation(invitee, invited(owner, organization)
                                    .removeprefix("/invitations/"))
    member = api(invitee)
    response = member.post(f"/organizations/{organization.id}/invitations",
                           json={"email": "x@example.org"})
    assert response.status_code == 403
    login(invitee)
    assert client.post(f"/organizations/{organization.id}/members/{owner.id}/remove") \
        .status_code == 403
    assert client.post(f"/organizations/{organization.id}/invitations",
                       data={"email": "y@example.org"}).status_code == 403
    assert members_of(organization) == {owner.id, invitee.id}
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 1


def test_another_startup_cannot_see_the_team_or_invite(team, api, create_user):
    owner, organization, _ = team
    stranger = api(create_user("applicant"))
    assert stranger.get(f"/organizations/{organization.id}/members").status_code == 404
    assert stranger.post(f"/organizations/{organization.id}/invitations",
                         json={"email": "x@example.org"}).status_code == 404


def test_the_owner_removes_a_member_who_then_loses_access(team, client, login, create_call,
                                                         create_application):
    owner, organization, invitee = team
    organizations.accept_invitation(invitee, invited(owner, organization)
                                    .removeprefix("/invitations/"))
    application = create_application(owner, create_call(), organization)
    login(owner)
    page = client.get(f"/organizations/{organization.id}")
    assert "Trần Thị Lan" in page.text and "data-confirm=" in page.text  # asked first
    response = client.post(f"/organizations/{organization.id}/members/{invitee.id}/remove")
    assert response.status_code == 302
    assert members_of(organization) == {owner.id}
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "remove_member")).one().payload == {"user_id": invitee.id}
    client.post("/logout")
    login(invitee)
    assert client.get(f"/applications/{application.id}").status_code == 404
    assert client.get(f"/organizations/{organization.id}").status_code == 404


def test_the_owner_cannot_be_removed(team, api, client, login):
    owner, organization, _ = team
    login(owner)
    response = client.post(f"/organizations/{organization.id}/members/{owner.id}/remove")
    assert response.status_code == 422
    assert members_of(organization) == {owner.id}


def test_members_see_the_team_through_the_api(team, api):
    owner, organization, invitee = team
    organizations.accept_invitation(invitee, invited(owner, organization)
                                    .removeprefix("/invitations/"))
    response = api(invitee).get(f"/organizations/{organization.id}/members")
    assert response.status_code == 200
    assert response.get_json() == {"items": [
        {"user_id": owner.id, "name": "Chủ Sở Hữu", "email": owner.email, "role": "owner"},
        {"user_id": invitee.id, "name": "Trần Thị Lan", "email": invitee.email,
         "role": "member"}], "next": None}


def test_the_members_list_is_paged_with_a_cursor(team, api, app, create_user):
    owner, organization, _ = team
    for _ in range(4):
        user = create_user("applicant")
        db.session.add(Membership(organization_id=organization.id, user_id=user.id))
    db.session.commit()
    client = api(owner)
    app.config["API_PAGE_SIZE"], size = 2, app.config["API_PAGE_SIZE"]
    try:
        seen, cursor = [], None
        while True:
            body = client.get(f"/organizations/{organization.id}/members"
                              + (f"?cursor={cursor}" if cursor else "")).get_json()
            seen += [item["user_id"] for item in body["items"]]
            if not (cursor := body["next"]):
                break
    finally:
        app.config["API_PAGE_SIZE"] = size
    assert seen == sorted(members_of(organization)) and len(seen) == 5


def test_an_invited_member_can_edit_the_startups_draft(team, api, create_call,
                                                       create_application):
    owner, organization, invitee = team
    application = create_application(owner, create_call(), organization)
    organizations.accept_invitation(invitee, invited(owner, organization)
                                    .removeprefix("/invitations/"))
    response = api(invitee).patch(f"/applications/{application.id}", json={
        "version": application.version, "project": {"title": "Edited by Lan"}})
    assert response.status_code == 200, response.text
    assert response.get_json()["project"]["title"] == "Edited by Lan"
    assert applications.get_application(invitee, application.id).entity.project.title == \
        "Edited by Lan"


def test_two_accepts_of_one_link_at_once_make_one_member(team, app):
    owner, organization, invitee = team
    token = invited(owner, organization).removeprefix("/invitations/")
    user_id = invitee.id
    db.session.commit()  # end this session's transaction: the threads write meanwhile
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def accept():
        with app.app_context():
            user = db.session.get(User, user_id)
            barrier.wait()
            try:
                organizations.accept_invitation(user, token)
                outcomes.append("joined")
            except Conflict:
                outcomes.append("conflict")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "joined"]
    assert members_of(organization) == {owner.id, invitee.id}
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "join")) == 1


def test_the_team_page_lists_pending_invitations_for_the_owner_only(team, client, login):
    owner, organization, invitee = team
    organizations.accept_invitation(invitee, invited(owner, organization)
                                    .removeprefix("/invitations/"))
    token = invited(owner, organization, "minh@example.org").removeprefix("/invitations/")
    login(owner)
    page = client.get(f"/organizations/{organization.id}")
    assert "minh@example.org" in page.text
    assert token not in page.text  # the link is only in the mail
    client.post("/logout")
    login(invitee)
    page = client.get(f"/organizations/{organization.id}")
    assert page.status_code == 200 and "Chủ Sở Hữu" in page.text
    assert "minh@example.org" not in page.text
