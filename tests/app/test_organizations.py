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
