"""`cam people …`: who acts, who hears about it, who is responsible for what."""

import click

from cam_tracker.cli.base import (
    actor_option,
    cli,
    emit_json,
    json_option,
    language_choice,
    who,
    workspace,
)


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
@actor_option
def people_add(
    key: str,
    name: str | None,
    email: str | None,
    role: str | None,
    language: str | None,
    update: bool,
    actor: str | None,
) -> None:
    """Register person KEY (or change them with --update)."""
    person, created = workspace().add_person(
        key,
        name=name,
        email=email,
        role=role,
        language=language,
        update=update,
        actor=who(actor),
    )
    verb = "added" if created else "updated"
    click.echo(
        f"{verb} {person['key']}: {person['name']} ({person['role']}) "
        f"{person['email'] or 'no email'}"
    )


@people_group.command("list")
@json_option
def people_list(as_json: bool) -> None:
    """Everyone, with role, email, language and what they are responsible for."""
    rows = workspace().people()
    if as_json:
        emit_json(rows)
    else:
        from cam_tracker.cli import console

        console.people(rows)


@people_group.command("assign")
@click.argument("person")
@click.argument("activity")
@actor_option
def people_assign(person: str, activity: str, actor: str | None) -> None:
    """Make PERSON responsible for ACTIVITY."""
    added = workspace().assign(person, activity, actor=who(actor))
    click.echo(f"{person} {'is now' if added else 'was already'} responsible for {activity}")


@people_group.command("unassign")
@click.argument("person")
@click.argument("activity")
@actor_option
def people_unassign(person: str, activity: str, actor: str | None) -> None:
    """PERSON is no longer responsible for ACTIVITY."""
    workspace().unassign(person, activity, actor=who(actor))
    click.echo(f"{person} is no longer responsible for {activity}")
