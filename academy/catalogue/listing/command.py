"""flask create-user: make an account with a role from the command line.

It lives with the providers' listing, not with accounts, because `--provider`
makes the account a member of an organisation, which accounts knows nothing of.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from academy.accounts.models import ROLES
from academy.accounts.operations import change_password, find_user, register_user
from academy.accounts.passwords import password_problem
from academy.catalogue.models import Provider
from academy.catalogue.operations import add_member
from academy.extensions import db


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="learner", show_default=True)
@click.option("--name", default=None, help="Display name (default: the part before the @).")
@click.option("--provider", "provider_slug", default=None, help="With --role provider: its slug.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="ACADEMY_NEW_USER_PASSWORD",
    help="Prompted for when not given.",
)
def create_user_command(
    email: str, role: str, name: str | None, provider_slug: str | None, password: str
) -> None:
    """Create an account with a role, or give an existing one the role and this password."""
    provider = None
    if provider_slug:
        provider = db.session.scalar(select(Provider).where(Provider.slug == provider_slug))
        if provider is None:
            raise click.BadParameter(
                f"no provider has the slug {provider_slug!r}", param_hint="--provider"
            )
    if role == "provider" and provider is None:
        raise click.BadParameter("say which provider with --provider SLUG", param_hint="--provider")
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise click.BadParameter(problem, param_hint="--password")

    user = find_user(email)
    created = user is None
    if created:
        user = register_user(email, password, name or email.split("@")[0])
    else:
        change_password(user, password)  # and so end every login session it had
        if name:
            user.name = name
    if role == "curator":
        user.is_curator = True
    if provider is not None:
        add_member(provider, user)
    db.session.commit()
    what = "Created" if created else "Updated"
    click.echo(f"{what} {user.email} ({', '.join(user.roles)}).")
