"""Configuration from the environment. Everything here can be overridden by create_app(config)."""

import os

TIMEZONE = "Asia/Ho_Chi_Minh"
LANGUAGES = ("vi", "en")


def _flag(name: str, default: bool | None = False) -> bool | None:
    value = os.environ.get(name, "").strip().lower()
    return default if not value else value in ("1", "true", "yes")


def from_environment(instance_path: str) -> dict:
    demo = _flag("GRANTS_DEMO_MODE")
    default_db = "sqlite:///" + os.path.join(instance_path, "grants.sqlite")
    return {
        # set but empty (a blank line in an env file) means the default, like unset
        "SQLALCHEMY_DATABASE_URI": os.environ.get("GRANTS_DATABASE_URL", "").strip() or default_db,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or os.environ.get("GRANTS_SECRET_KEY"),
        "DEMO_MODE": demo,
        # Staff, reviewers and mentors must enrol a second factor; unset means "unless in demo
        # mode", so that the demo accounts open without an authenticator app
        "SECOND_FACTOR_REQUIRED": _flag("GRANTS_SECOND_FACTOR_REQUIRED", None),
        # How many proxies in front of the app set X-Forwarded-For / -Proto (the load
        # balancer): their word is taken for the client's address, which logins are throttled by
        "PROXY_HOPS": int(os.environ.get("GRANTS_PROXY_HOPS", "0") or 0),
        "MAX_CONTENT_LENGTH": int(os.environ.get("GRANTS_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)),
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": TIMEZONE,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("GRANTS_SECURE_COOKIES", "").lower()
        in ("1", "true", "yes"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "API_PAGE_SIZE": 50,
        # Uploaded documents (grants/storage.py): where their bytes go (a folder outside the web
        # root, shared by every server) and the largest file accepted.
        "DOCUMENT_STORAGE": os.environ.get("GRANTS_DOCUMENT_STORAGE", "").strip()
        or os.path.join(instance_path, "documents"),
        "DOCUMENT_MAX_BYTES": int(os.environ.get("GRANTS_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)),
        # JSON bodies of the API: larger ones are refused (413) before they are parsed.
        "API_MAX_BODY_BYTES": int(os.environ.get("GRANTS_API_MAX_BODY_BYTES", 1024 * 1024)),
        # The Ed25519 key that signs audit checkpoints (grants/checkpoints.py): a PEM file
        # outside the database and its backups, or the PEM text itself
        "AUDIT_SIGNING_KEY_FILE": os.environ.get("GRANTS_AUDIT_SIGNING_KEY_FILE", "").strip()
        or None,
        "AUDIT_SIGNING_KEY": os.environ.get("GRANTS_AUDIT_SIGNING_KEY"),
        # Outgoing mail (grants/outbox.py). Links in mails start with BASE_URL.
        "BASE_URL": os.environ.get("GRANTS_BASE_URL", "http://127.0.0.1:5000"),
        "SMTP_HOST": os.environ.get("GRANTS_SMTP_HOST"),
        "SMTP_PORT": os.environ.get("GRANTS_SMTP_PORT"),  # default: from the security below
        "SMTP_SECURITY": os.environ.get("GRANTS_SMTP_SECURITY", "starttls"),
        "SMTP_USER": os.environ.get("GRANTS_SMTP_USER"),
        "SMTP_PASSWORD": os.environ.get("GRANTS_SMTP_PASSWORD"),
        "MAIL_FROM": os.environ.get("GRANTS_MAIL_FROM"),
        # the 360Giving export (docs/exports.md): the publisher's identifier prefix for grant
        # ids, the funder, and the prefix of recipients' Vietnamese registration numbers
        "GIVING_PREFIX": os.environ.get("GRANTS_360G_PREFIX", "360G-hcmc-dost"),
        "FUNDER_ID": os.environ.get("GRANTS_FUNDER_ID", "XI-VN-HCMC-DOST"),
        "FUNDER_NAME": os.environ.get("GRANTS_FUNDER_NAME",
                                      "Sở Khoa học và Công nghệ Thành phố Hồ Chí Minh"),
        "RECIPIENT_PREFIX": os.environ.get("GRANTS_RECIPIENT_PREFIX", "VN-MSDN"),
    }
