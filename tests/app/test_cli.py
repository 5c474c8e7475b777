"""The command line: quickstart, users, tokens, demo data, audit verify."""

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Application, AuditEvent, Call, Membership, Programme, User


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Programme, Call, User, AuditEvent))


def test_quickstart_seeds_once_and_prints_the_demo_accounts(app, tmp_path):
    # quickstart upgrades the database itself: give it an empty one of its own
    from grants import create_app

    fresh = create_app({"TESTING": True, "SECRET_KEY": "x",
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'qs.sqlite'}"})
    runner = fresh.test_cli_runner()
    with fresh.app_context():  # commands run in the current app context if there is one
        first = runner.invoke(args=["quickstart", "--no-serve"])
        assert first.exit_code == 0, first.output
        assert "manager@demo.local" in first.output and "demo-manager" in first.output
        before = counts()
        calls = db.session.scalars(select(Call).order_by(Call.id)).all()
        assert [(c.stage, c.cap_per_project) for c in calls] == [
            ("pre_incubation", 40_000_000), ("incubation", 80_000_000),
            ("acceleration", 400_000_000)]
        assert len(calls[0].rubric["criteria"]) == 6
        programme = db.session.scalar(select(Programme))
        totals = {}
        for target in programme.targets:
            totals[target.stage] = totals.get(target.stage, 0) + target.projects
        assert totals == {"pre_incubation": 1000, "incubation": 700, "acceleration": 200}
        second = runner.invoke(args=["quickstart", "--no-serve"])
        assert second.exit_code == 0, second.output
        assert "already present" in second.output
        assert counts() == before
        db.engine.dispose()


def test_an_interrupted_seed_is_finished_by_the_next_run(app, create_user):
    from grants import demo

    create_user("admin", email="admin@demo.local")  # as if a run had stopped half way
    assert demo.seed() is True
    emails = set(db.session.scalars(select(User.email)))
    assert {email for email, *_ in demo.ACCOUNTS} <= emails
    assert db.session.scalar(select(func.count()).select_from(Call)) == 3
    assert demo.seed() is False


def test_users_create_and_token_create(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "lan@sokhcn.gov.vn",
                                 "--name", "Trần Thị Lan", "--password", "a long password",
                                 "--role", "manager"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "lan@sokhcn.gov.vn"))
    assert user.has_role("manager", 123)
    result = runner.invoke(args=["token", "create", "--email", "lan@sokhcn.gov.vn"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.get_json()["email"] == "lan@sokhcn.gov.vn"


def test_cli_refuses_bad_input_clearly(app):
    runner = app.test_cli_runner()
    short = runner.invoke(args=["users", "create", "--email", "a@b.c", "--name", "A",
                                "--password", "short", "--role", "manager"])
    assert short.exit_code != 0 and "password" in short.output
    demo = runner.invoke(args=["users", "create", "--email", "a@b.c", "--name", "A",
                               "--password", "demo-manager", "--role", "manager"])
    assert demo.exit_code != 0 and "password" in demo.output
    missing = runner.invoke(args=["users", "create", "--email", "a@b.c", "--name", "A",
                                  "--password", "a long password", "--role", "manager",
                                  "--programme", "999"])
    assert missing.exit_code != 0 and "programme" in missing.output
    nobody = runner.invoke(args=["token", "create", "--email", "nobody@example.org"])
    assert nobody.exit_code != 0 and "nobody" not in db.session.scalars(
        select(User.email)).all()


def test_demo_seed_adds_bulk_applications(app):
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--applications", "25"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(Application)) == 25


def test_audit_verify_command(app, create_user):
    create_user("manager")
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "OK: 1 events" in result.output



def test_quickstart_serves_the_app_in_demo_mode(tmp_path, monkeypatch):
    from grants import cli, create_app

    served = {}
    monkeypatch.setattr(cli, "run_simple", lambda host, port, app, **kw: served.update(
        host=host, port=port, demo=app.config["DEMO_MODE"]))
    fresh = create_app({"TESTING": True, "SECRET_KEY": "x",
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'serve.sqlite'}"})
    with fresh.app_context():
        result = fresh.test_cli_runner().invoke(args=["quickstart", "--port", "5055"])
        assert result.exit_code == 0, result.output
        db.engine.dispose()
    assert served == {"host": "127.0.0.1", "port": 5055, "demo": True}


def test_demo_seed_appends_a_valid_audit_chain_that_verify_walks(app):
    from grants import audit
    from grants.models import AuditEvent

    app.test_cli_runner().invoke(args=["demo", "seed"])  # the demo's own events first
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--audit-events", "12"])
    assert result.exit_code == 0, result.output

    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before + 12
    verified = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and f"OK: {before + 12} events" in verified.output
    assert audit.verify().checked == before + 12


def test_bulk_applications_are_spread_over_startups_and_states_with_matching_counts(app):
    from grants import demo
    from grants.operations import calls

    demo.seed()
    demo.bulk_applications(60)

    owners = db.session.scalar(select(func.count(func.distinct(Membership.user_id))))
    states = db.session.execute(
        select(Application.call_id, Application.state, func.count())
        .group_by(Application.call_id, Application.state)).all()
    assert owners >= 6 and len({state for _, state, _ in states}) >= 8
    expected = {}
    for call_id, state, n in states:
        expected.setdefault(call_id, {})[state] = n
    assert calls.state_counts(list(expected)) == expected
