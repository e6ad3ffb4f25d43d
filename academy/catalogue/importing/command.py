"""`flask --app academy import-offerings FILE --provider SLUG`: the web import, from a terminal."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from academy.catalogue.importing.operations import apply_import, preview_import
from academy.catalogue.models import Provider
from academy.extensions import db


@click.command("import-offerings")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--provider", "slug", required=True, help="The slug of the provider the offers are from."
)
@click.option("--submit", is_flag=True, help="Submit new offers and drafts for review.")
@click.option(
    "--publish", is_flag=True, help="Publish every offer in the file (curators, for trusted data)."
)
@with_appcontext
def import_offerings_command(file: Path, slug: str, submit: bool, publish: bool) -> None:
    """Import offerings from a .xlsx or .csv file: saved as drafts unless told otherwise."""
    if submit and publish:
        raise click.UsageError("Choose --submit or --publish, not both.")
    mode = "publish" if publish else "submit" if submit else "draft"
    provider = db.session.scalar(select(Provider).where(Provider.slug == slug))
    if provider is None:
        raise click.ClickException(f"No provider has the slug {slug!r}.")
    if not provider.is_approved:
        raise click.ClickException(f"{provider.name} is {provider.status}, not approved.")
    limit = current_app.config["IMPORT_MAX_BYTES"]
    with file.open("rb") as handle:
        data = handle.read(limit + 1)  # enough to know it is too big
    preview = preview_import(provider, data, file.name)
    for note in preview.notes:
        click.echo(f"Note: {note}")
    if preview.has_errors:
        errors = preview.errors
        for problem in errors:
            click.echo(f"Error: {problem}", err=True)
        count = f"{len(errors):,} problem{'' if len(errors) == 1 else 's'}"
        raise click.ClickException(f"{count} in {file.name}. Nothing was imported.")
    counts = preview.counts
    total = counts["new"] + counts["update"] + counts["unchanged"]
    try:
        with click.progressbar(length=total, label=f"Importing {total:,} offers") as bar:
            result = apply_import(provider, preview, mode=mode, progress=bar.update)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise click.ClickException(
            "The catalogue changed while importing. Nothing was imported: run it again."
        ) from None
    parts = [f"{result[what]:,} {what}" for what in ("created", "updated", "unchanged")]
    if mode != "draft":
        step = "submitted" if mode == "submit" else "published"
        parts.append(f"{result[step]:,} {step}")
    click.echo(f"Imported {file.name} for {provider.name}: {', '.join(parts)}.")
