"""WTForms for the pages: they carry CSRF and the fields. The operations validate the input,
in the user's language, so the forms hold no validators of their own."""

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField

from grants import labels
from grants.operations import Invalid


def errors_to(form, error: Invalid) -> None:
    """An operation's field errors beside the form's fields; those of no field flashed."""
    for name, message in error.errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            flash(message, "error")


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"))
    password = PasswordField(_l("Password"))


class CodeForm(FlaskForm):
    code = StringField(_l("Code"), render_kw={"autocomplete": "one-time-code",
                                              "autocapitalize": "off", "spellcheck": "false"})


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"),
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("New password (at least 10 characters)"),
                             render_kw={"autocomplete": "new-password"})


class ChoosePasswordForm(FlaskForm):
    """The second step of registering, from the mailed link."""

    password = PasswordField(_l("Password (at least 10 characters)"),
                             render_kw={"autocomplete": "new-password"})


class RegisterForm(FlaskForm):
    name = StringField(_l("Your name"), render_kw={"autocomplete": "name"})
    email = EmailField(_l("Email"), render_kw={"autocomplete": "email"})


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"))


class EmptyForm(FlaskForm):
    """Only the CSRF token: for buttons that post."""


def _field_choices():
    return [("", "—")] + [(key, label) for key, label in labels.FIELDS.items()]


class OrganizationForm(FlaskForm):
    name = StringField(_l("Startup name"))
    registration_number = StringField(_l("Business registration number"),
                                      render_kw={"placeholder": "0312345678"})
    founded_on = StringField(_l("Founded on"), render_kw={"type": "date"})
    field = SelectField(_l("Field"), choices=_field_choices, validate_choice=False)
    address = StringField(_l("Address"))
    website = StringField(_l("Website"), render_kw={"placeholder": "https://", "inputmode": "url"})
