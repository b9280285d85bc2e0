"""`cam people …`: who acts, who hears about it, who is responsible for what."""

import click

from cam_tracker.cli.base import (
    actor_option,
    cli,
    csv_option,
    emit_json,
    json_option,
    language_choice,
    who,
    workspace,
)
from cam_tracker.cli.complete import complete_activities, complete_people


@cli.group("people")
def people_group() -> None:
    """Who acts, who hears about it, who is responsible for what."""


@people_group.command("add")
@click.argument("key")
@click.option("--name", help="Full name, one line.")
@click.option("--email", metavar="ADDR", help="Email address for reminders.")
@click.option("--role", help="chair, vice_chair, secretariat, delegate or coordinator.")
@click.option("--lang", "language", type=language_choice(), help="Language of emails.")
@click.option("--update", is_flag=True, help="Change a person who exists (given fields only).")
@click.option("--title", "title", metavar="TEXT", help='How letters address them ("Ambassador").')
@click.option("--country", metavar="TEXT", help="The country or delegation they speak for.")
@click.option(
    "--body",
    metavar="SHORT",
    help="With --role: their role in this body (committee) across its plans.",
)
@click.option(
    "--login",
    metavar="NAME",
    help="Their PostgreSQL login role: created if it does not exist, else mapped.",
)
@click.option(
    "--password-stdin",
    "password_stdin",
    is_flag=True,
    help="Read the new login's password from the first line of standard input.",
)
@actor_option
def people_add(
    key: str,
    name: str | None,
    email: str | None,
    role: str | None,
    language: str | None,
    update: bool,
    title: str | None,
    country: str | None,
    body: str | None,
    login: str | None,
    password_stdin: bool,
    actor: str | None,
) -> None:
    """Register person KEY (or change them with --update).

    \b
    On a PostgreSQL store, --login NAME says who the person is to the database:
    a login connected as NAME acts as KEY, whatever --as or CAM_USER say, and
    only the secretariat may act for someone else with --as (the history then
    reads "secretariat for chair"). A role NAME that does not exist is created
    (LOGIN, nothing more), with the password from $CAM_LOGIN_PASSWORD or, with
    --password-stdin, from standard input (never on the command line); with
    neither, it has no password, for servers that authenticate otherwise
    (trust, peer, certificates). A role that exists is mapped, its password
    left alone. The store's owner runs this, and `cam db grant` gives the
    people their rights. An SQLite store has no logins.
    """
    if password_stdin and login is None:
        raise click.UsageError("--password-stdin goes with --login")
    password = _password(password_stdin) if login is not None else None
    person, created = workspace().add_person(
        key,
        name=name,
        email=email,
        role=role,
        language=language,
        update=update,
        login=login,
        password=password,
        title=title,
        country=country,
        body=body,
        actor=who(actor),
    )
    verb = "added" if created else "updated"
    login_text = f", login {person['login']}" if person["login"] else ""
    click.echo(
        f"{verb} {person['key']}: {person['name']} ({person['role']}) "
        f"{person['email'] or 'no email'}{login_text}"
    )


PASSWORD_VARIABLE = "CAM_LOGIN_PASSWORD"


def _password(from_stdin: bool) -> str | None:
    """The new login's password: a line of standard input, else $CAM_LOGIN_PASSWORD."""
    import os
    import sys

    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise click.UsageError("--password-stdin: standard input holds no password")
        return line
    return os.environ.get(PASSWORD_VARIABLE) or None


@people_group.command("list")
@json_option
@csv_option("people")
def people_list(as_json: bool) -> None:
    """Everyone, with role, email, language and what they are responsible for."""
    rows = workspace().people()
    if as_json:
        emit_json(rows)
    else:
        from cam_tracker.cli import console

        console.people(rows)


@people_group.command("assign")
@click.argument("person", shell_complete=complete_people)
@click.argument("activity", shell_complete=complete_activities)
@actor_option
def people_assign(person: str, activity: str, actor: str | None) -> None:
    """Make PERSON responsible for ACTIVITY."""
    added = workspace().assign(person, activity, actor=who(actor))
    click.echo(f"{person} {'is now' if added else 'was already'} responsible for {activity}")


@people_group.command("unassign")
@click.argument("person", shell_complete=complete_people)
@click.argument("activity", shell_complete=complete_activities)
@actor_option
def people_unassign(person: str, activity: str, actor: str | None) -> None:
    """PERSON is no longer responsible for ACTIVITY."""
    workspace().unassign(person, activity, actor=who(actor))
    click.echo(f"{person} is no longer responsible for {activity}")


@people_group.command("remove")
@click.argument("key")
@actor_option
def people_remove(key: str, actor: str | None) -> None:
    """Remove person KEY: no more reminders, steps or responsibilities; their record stays."""
    person = workspace().remove_person(key, actor=who(actor))
    click.echo(f"removed {person['key']}: {person['name']} (their history is kept)")


@people_group.command("digest")
@click.argument("person", shell_complete=complete_people)
@click.argument("frequency", type=click.Choice(["daily", "weekly", "off"]))
@actor_option
def people_digest(person: str, frequency: str, actor: str | None) -> None:
    """How often PERSON is told what changed in what they follow: daily, weekly or off."""
    row = workspace().set_digest(person, frequency, actor=who(actor))
    if frequency == "off":
        click.echo(f"{row['key']} is sent no digest of changes")
    else:
        where = f"to {row['email']}" if row["email"] else "(no email yet: nothing can be sent)"
        click.echo(f"{row['key']} is sent a {frequency} digest of changes {where}")
