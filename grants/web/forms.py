"""WTForms for the pages. They carry CSRF and the fields; operations do the real validation."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from grants import labels


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class RegisterForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password (at least 10 characters)"),
                             validators=[DataRequired(), Length(min=10, max=200)])


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=100)])


class EmptyForm(FlaskForm):
    """Only the CSRF token: for buttons that post."""


def _field_choices():
    return [("", "—")] + [(key, label) for key, label in labels.FIELDS.items()]


class OrganizationForm(FlaskForm):
    name = StringField(_l("Startup name"), validators=[DataRequired(), Length(max=200)])
    registration_number = StringField(_l("Business registration number"),
                                      validators=[Optional(), Length(max=50)])
    founded_on = DateField(_l("Founded on"), validators=[Optional()])
    field = SelectField(_l("Field"), choices=_field_choices, validators=[DataRequired()])


class ApplicationForm(FlaskForm):
    """The fixed part of the form; the call's questions are added by `application_form`."""

    version = HiddenField()
    organization_id = SelectField(_l("Organization"), coerce=int)
    title = StringField(_l("Project title"), validators=[DataRequired(), Length(max=300)])
    summary = TextAreaField(_l("Project summary"), validators=[Length(max=5000)])
    field = SelectField(_l("Field"), choices=_field_choices, validators=[DataRequired()])
    requested_amount = IntegerField(_l("Requested amount (VND)"),
                                    validators=[Optional(), NumberRange(min=0)])


def application_form(questions: list[dict], **kwargs) -> ApplicationForm:
    """The application form with one text area per question of the call."""

    class Form(ApplicationForm):
        pass

    for question in questions:
        setattr(Form, f"answer_{question['key']}",
                TextAreaField(question["label"], validators=[Length(max=10_000)]))
    return Form(**kwargs)
