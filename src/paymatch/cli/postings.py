"""``paymatch postings``: bank statement files to the posting JSON Lines format."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from paymatch.connectors.bank import DEFAULT_STATUSES, iter_statement
from paymatch.core.models import Posting
from paymatch.interchange import write_json_lines

# Files at least this large get a progress bar (when stderr is a terminal).
_PROGRESS_BYTES = 1 << 20


def _postings(
    files: tuple[Path, ...],
    *,
    format: str | None,
    encoding: str | None,
    profile: str | None,
    statuses: frozenset[str] | None,
    progress: Progress | None,
) -> Iterator[Posting]:
    """Every posting of every file once: a posting id seen before (overlapping statements)
    is skipped. Each file is read completely before its postings are handed on, so a file
    with an error contributes nothing."""
    seen: set[str] = set()
    total = progress.add_task("postings", total=len(files)) if progress else None
    for path in files:
        batch: list[Posting] = []
        for record in iter_statement(
            path,
            format=format,
            encoding=encoding,
            profile=profile,
            source_name=str(path),
            statuses=statuses,
        ):
            if isinstance(record, Posting) and record.id not in seen:
                batch.append(record)
        for posting in batch:
            seen.add(posting.id)
        if progress is not None and total is not None:
            progress.update(total, advance=1, description=f"{len(seen)} postings")
        yield from batch


@click.command("postings")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the postings (JSON Lines); default: standard output.",
)
@click.option(
    "--format",
    "format",
    type=click.Choice(["camt", "mt940", "mt942", "csv"], case_sensitive=False),
    default=None,
    help="The files' format; default: detected from the content of each file.",
)
@click.option("--encoding", default=None, help="Text encoding of MT940/CSV files (e.g. cp1252).")
@click.option(
    "--profile",
    default=None,
    help="CSV profile: a built-in name (e.g. sparkasse) or a TOML file.",
)
@click.option(
    "--status",
    "status_names",
    multiple=True,
    metavar="NAME",
    help="Write postings of this status (repeatable, e.g. --status BOOK --status PDNG); "
    "default: booked (BOOK) only.",
)
@click.option(
    "--all-statuses",
    is_flag=True,
    help="Write every posting, pending (PDNG, MT942 items) and informational ones too.",
)
def postings(  # noqa: PLR0917 - click passes the options
    files: tuple[Path, ...],
    out: Path | None,
    format: str | None,
    encoding: str | None,
    profile: str | None,
    status_names: tuple[str, ...],
    all_statuses: bool,
) -> None:
    """Read bank statements (CAMT, MT940/MT942, CSV) and write their postings as JSON Lines.

    Only booked postings are written by default: pending ones (CAMT PDNG entries, MT942 items,
    CSV rows marked "Vorgemerkt") may be booked later under another identity or never; choose
    others with --status or --all-statuses. Postings that appear in several files (overlapping
    statements) are written once. Nothing is written when any file cannot be read.
    """
    if all_statuses and status_names:
        raise click.UsageError("--status and --all-statuses exclude each other")
    statuses = (
        None
        if all_statuses
        else frozenset(name.strip().upper() for name in status_names) or DEFAULT_STATUSES
    )
    if statuses is not None and not all(statuses):
        raise click.BadParameter("a status name is empty", param_hint="--status")
    console = Console(stderr=True)
    large = sum(path.stat().st_size for path in files) >= _PROGRESS_BYTES
    show = console.is_terminal and large
    progress = (
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        if show
        else None
    )
    # Read everything first: the output is written only when every file was read.
    with progress if progress is not None else nullcontext():
        result = list(
            _postings(
                files,
                format=format,
                encoding=encoding,
                profile=profile,
                statuses=statuses,
                progress=progress,
            )
        )
    write_json_lines(result, out)
    if out is not None:
        click.echo(f"{len(result)} postings written to {out}", err=True)
    sys.stdout.flush()
