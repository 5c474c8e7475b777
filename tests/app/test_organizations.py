"""Registering a startup: the enterprise code and the field, through the API and the page."""

import pytest
from sqlalchemy import select

from grants.extensions import db
from grants.models import Organization

BAD_CODES = ["abc", "031234567", "03123456789", "0312345678-01", "0312345678-0011",
             "0312345678 001", "031234567a", "٠٣١٢٣٤٥٦٧٨", "0312-345678"]


def stored_code(name: str) -> str | None:
    return db.session.scalar(select(Organization.registration_number)
                             .where(Organization.name == name))


@pytest.mark.parametrize(("typed", "stored"), [
    ("0312345678", "0312345678"), (" 0312345678 ", "0312345678"),
    ("0312345678-001", "0312345678-001"), ("0312345678001", "0312345678-001"),
])
def test_the_api_accepts_an_enterprise_code_and_stores_its_one_form(api, create_user, typed,
                                                                     stored):
    response = api(create_user("applicant")).post("/organizations", json={
        "name": "Sáng Tạo", "registration_number": typed, "field": "edtech"})
    assert response.status_code == 201, response.text
    assert response.get_json()["registration_number"] == stored
    assert stored_code("Sáng Tạo") == stored


@pytest.mark.parametrize("typed", BAD_CODES)
def test_the_api_refuses_what_is_not_an_enterprise_code(api, create_user, typed):
    response = api(create_user("applicant")).post(
        "/organizations", json={"name": "X", "registration_number": typed, "field": "edtech"},
        headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "10 digits, or 13 digits for a branch" in \
        response.get_json()["errors"]["registration_number"]
    assert stored_code("X") is None


def test_a_branch_code_typed_either_way_is_the_same_organization(api, create_user):
    client = api(create_user("applicant"))
    first = client.post("/organizations", json={
        "name": "Branch", "registration_number": "0312345678-001", "field": "edtech"})
    assert first.status_code == 201
    again = client.post("/organizations", json={
        "name": "Again", "registration_number": "0312345678001", "field": "edtech"})
    assert again.status_code == 422
    assert "registration_number" in again.get_json()["errors"]


@pytest.mark.parametrize(("typed", "stored"), [
    ("0312345678", "0312345678"), ("0312345678-002", "0312345678-002"),
    ("0312345678002", "0312345678-002"),
])
def test_the_page_accepts_an_enterprise_code_with_or_without_the_hyphen(
        client, login, create_user, typed, stored):
    login(create_user("applicant"))
    response = client.post("/organizations/new", data={
        "name": "Trang", "registration_number": typed, "field": "fintech"})
    assert response.status_code == 302, response.text
    assert stored_code("Trang") == stored


@pytest.mark.parametrize("typed", BAD_CODES)
def test_the_page_refuses_a_bad_code_next_to_the_field_in_the_users_language(
        client, login, create_user, typed):
    login(create_user("applicant"))
    response = client.post("/organizations/new", data={
        "name": "Trang", "registration_number": typed, "field": "fintech"})
    assert response.status_code == 422
    page = response.text
    message = page.index("10 chữ số, hoặc 13 chữ số")  # Vietnamese is the default
    assert page.index('id="registration_number"') < message < page.index('id="founded_on"')
    assert stored_code("Trang") is None


def test_the_api_names_the_field_codes_with_their_labels(api, create_user):
    response = api(create_user("applicant")).post(
        "/organizations", json={"name": "X", "field": "moonshot"},
        headers={"Accept-Language": "en"})
    assert response.status_code == 422
    message = response.get_json()["errors"]["field"]
    assert "ecommerce (E-commerce)" in message
    assert "hitech_agriculture (Hi-tech agriculture)" in message


def test_the_api_names_the_field_labels_in_the_users_language(api, create_user):
    response = api(create_user("applicant")).post(
        "/organizations", json={"name": "X", "field": "moonshot"},
        headers={"Accept-Language": "vi"})
    assert "hitech_agriculture (Nông nghiệp công nghệ cao)" in \
        response.get_json()["errors"]["field"]


def test_the_pages_ask_to_choose_a_listed_field_without_raw_codes(
        client, login, create_user, create_call, create_organization):
    startup = create_user("applicant")
    organization = create_organization(startup)
    call = create_call()
    login(startup)
    client.post("/language/en")
    organization_page = client.post("/organizations/new", data={"name": "T", "field": "moonshot"})
    application_page = client.post(f"/calls/{call.id}/apply", data={
        "title": "T", "field": "moonshot", "organization_id": str(organization.id)})
    for response in (organization_page, application_page):
        assert response.status_code == 422
        assert "Choose one of the listed fields." in response.text
        assert "Must be one of" not in response.text
        assert "hitech_agriculture," not in response.text


# --- the profile: address, website, editing --------------------------------------------------

from grants.models import AuditEvent  # noqa: E402


@pytest.mark.parametrize(("typed", "stored"), [
    ("0312345678", "0312345678"),          # 10 digits: an enterprise
    ("0312345678001", "0312345678-001"),   # 13 digits: a branch, without the hyphen
    ("0312345678-001", "0312345678-001"),  # 13 digits with the hyphen
])
def test_an_edit_stores_the_registration_number_in_its_one_form(api, create_user,
                                                               create_organization, typed,
                                                               stored):
    owner = create_user("applicant")
    organization = create_organization(owner)
    response = api(owner).patch(f"/organizations/{organization.id}",
                                json={"registration_number": typed})
    assert response.status_code == 200, response.text
    assert response.get_json()["registration_number"] == stored


@pytest.mark.parametrize("typed", ["03123456ab", "031234567", "03123456789", "0312345678-0a1"])
def test_an_edit_refuses_letters_9_and_11_digits_and_keeps_the_profile(
        api, create_user, create_organization, typed):
    owner = create_user("applicant")
    organization = create_organization(owner, registration_number="0399999999")
    response = api(owner).patch(f"/organizations/{organization.id}", json={
        "registration_number": typed, "name": "Changed"}, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "10 digits, or 13 digits for a branch" in \
        response.get_json()["errors"]["registration_number"]
    db.session.expire_all()
    assert db.session.get(Organization, organization.id).registration_number == "0399999999"
    assert db.session.get(Organization, organization.id).name != "Changed"


@pytest.mark.parametrize("address", ["https://sangtao.vn", "http://sangtao.vn/about?x=1",
                                     "https://nông-nghiệp.vn", "HTTPS://Example.COM:8443/a"])
def test_a_website_with_http_or_https_is_kept_as_typed(api, create_user, address):
    response = api(create_user("applicant")).post("/organizations", json={
        "name": "Web", "field": "edtech", "website": address, "address": "12 Lê Lợi, Quận 1"})
    assert response.status_code == 201, response.text
    assert response.get_json()["website"] == address
    assert response.get_json()["address"] == "12 Lê Lợi, Quận 1"


@pytest.mark.parametrize("address", ["javascript:alert(1)", "ftp://example.vn", "example.vn",
                                     "https://", "https://exa mple.vn", "https://localhost",
                                     "https://user:pw@example.vn", "data:text/html,hi",
                                     "https://example.vn:port"])
def test_a_website_that_is_not_an_http_address_is_refused_with_a_clear_message(
        api, create_user, address):
    response = api(create_user("applicant")).post("/organizations", json={
        "name": "Web", "field": "edtech", "website": address},
        headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "starting with http:// or https://" in response.get_json()["errors"]["website"]
    assert stored_code("Web") is None and db.session.scalar(
        select(Organization.id).where(Organization.name == "Web")) is None


def test_a_member_edits_the_profile_and_the_audit_keeps_before_and_after(
        api, create_user, create_organization):
    owner = create_user("applicant")
    organization = create_organization(owner, name="Old name", field="fintech")
    response = api(owner).patch(f"/organizations/{organization.id}", json={
        "name": "Nông Sạch", "field": "hitech_agriculture", "website": "https://nongsach.vn"})
    assert response.status_code == 200, response.text
    assert response.get_json() | {"id": 0} == {
        "id": 0, "name": "Nông Sạch", "registration_number": organization.registration_number,
        "founded_on": "2023-05-01", "field": "hitech_agriculture", "address": None,
        "website": "https://nongsach.vn"}
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "organization", AuditEvent.action == "update")).one()
    assert event.actor_id == owner.id
    assert event.payload == {
        "before": {"name": "Old name", "field": "fintech", "website": None},
        "after": {"name": "Nông Sạch", "field": "hitech_agriculture",
                  "website": "https://nongsach.vn"}}


def test_another_startup_can_neither_see_nor_edit_the_organization(
        api, client, login, create_user, create_organization):
    organization = create_organization(create_user("applicant"), name="Private")
    stranger = create_user("applicant")
    client_api = api(stranger)
    assert client_api.get(f"/organizations/{organization.id}").status_code == 404
    assert client_api.patch(f"/organizations/{organization.id}",
                            json={"name": "Mine"}).status_code == 404
    login(stranger)
    assert client.get(f"/organizations/{organization.id}").status_code == 404
    assert client.get(f"/organizations/{organization.id}/edit").status_code == 404
    assert client.post(f"/organizations/{organization.id}/edit",
                       data={"name": "Mine", "field": "fintech"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Organization, organization.id).name == "Private"


def test_staff_who_see_a_submitted_application_see_the_startup_but_cannot_edit_it(
        api, create_user, create_call, create_application, manager_of):
    from grants.operations import applications

    startup = create_user("applicant")
    call = create_call()
    application = create_application(startup, call)
    applications.act(startup, application.id, "submit", {"version": 1})
    manager = api(manager_of(call))
    organization_id = application.project.organization_id
    assert manager.get(f"/organizations/{organization_id}").status_code == 200
    response = manager.patch(f"/organizations/{organization_id}", json={"name": "Staff"})
    assert response.status_code == 403


def test_the_edit_page_shows_the_profile_and_keeps_what_was_typed_on_a_mistake(
        client, login, create_user, create_organization):
    owner = create_user("applicant")
    organization = create_organization(owner, name="Sáng Tạo Việt")
    login(owner)
    page = client.get(f"/organizations/{organization.id}/edit")
    assert page.status_code == 200 and 'value="Sáng Tạo Việt"' in page.text
    response = client.post(f"/organizations/{organization.id}/edit", data={
        "name": "Tên mới <b>", "registration_number": "12345", "field": "edtech",
        "address": "5 Nguyễn Huệ", "website": "javascript:alert(1)"})
    assert response.status_code == 422
    for kept in ('value="Tên mới &lt;b&gt;"', 'value="12345"', 'value="5 Nguyễn Huệ"',
                 'value="javascript:alert(1)"'):
        assert kept in response.text
    assert "http:// hoặc https://" in response.text
    db.session.expire_all()
    assert db.session.get(Organization, organization.id).name == "Sáng Tạo Việt"
    saved = client.post(f"/organizations/{organization.id}/edit", data={
        "name": "Tên mới", "registration_number": "0312345678-009", "field": "edtech",
        "address": "5 Nguyễn Huệ", "website": "https://tenmoi.vn"})
    assert saved.status_code == 302
    detail = client.get(saved.headers["Location"])
    assert "Tên mới" in detail.text and "0312345678-009" in detail.text
    assert 'href="https://tenmoi.vn"' in detail.text


def test_registering_leads_to_the_dashboard_which_links_the_startups_page(client, login,
                                                                        create_user):
    login(create_user("applicant"))
    response = client.post("/organizations/new", data={
        "name": "Trang", "registration_number": "0312345678", "field": "fintech",
        "address": "1 Lê Duẩn", "website": "https://trang.vn"})
    assert response.status_code == 302 and response.headers["Location"] == "/my"
    organization_id = db.session.scalar(select(Organization.id)
                                        .where(Organization.name == "Trang"))
    assert f'href="/organizations/{organization_id}"' in client.get("/my").text
