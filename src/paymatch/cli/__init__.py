"""The ``paymatch`` command line: thin commands over the library's public API.

Each command lives in its own module of this package and is added to the group below.
"""

from __future__ import annotations

import click

from paymatch import __version__
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
    # Imported here so that ``paymatch --help`` stays cheap and there is no import cycle.
    from paymatch.cli.demo import demo  # noqa: PLC0415
    from paymatch.cli.match import match_command  # noqa: PLC0415
    from paymatch.cli.notify import notify_command  # noqa: PLC0415
    from paymatch.cli.plugins import plugins  # noqa: PLC0415
    from paymatch.cli.postings import postings  # noqa: PLC0415
    from paymatch.cli.run import run  # noqa: PLC0415

    main.add_command(match_command)
    main.add_command(notify_command)
    main.add_command(plugins)
    main.add_command(postings)
    main.add_command(run)
    main.add_command(demo)


_register()
