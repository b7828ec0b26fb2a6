"""The ``paymatch`` command line: thin commands over the library's public API.

Each command lives in its own module of this package and is added to the group below.
"""

from __future__ import annotations

import click

from paymatch import __version__
from paymatch.cli.postings import postings
from paymatch.core.errors import PaymatchError


class _Group(click.Group):
    """Turns paymatch's own errors into a one-line message and exit status 1, not a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except PaymatchError as error:
            raise click.ClickException(str(error)) from None


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="paymatch")
def main() -> None:
    """Assign bank postings to open orders and keep shop and bank in step."""


def _register() -> None:
    # Command modules import only the library, never this package, so there is no cycle.
    main.add_command(postings)


_register()
