"""The ``yunli`` command line.

Each capability contributes its sub-commands from its own module through a
``register(subparsers)`` function listed in :data:`COMMAND_MODULES`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from engine.errors import NotFoundError, YunliError

#: Modules whose ``register(subparsers)`` adds sub-commands, in help order.
COMMAND_MODULES: list[str] = [
    "engine.data.cli",
    "engine.matching.cli",
    "server.cli",
    "engine.routing.cli",
    "engine.routing.loadplan_cli",
    "engine.live.cli",
    "engine.orders.cli",
]

#: Exit codes: 0 success, 2 bad input (argparse uses 2 as well), 3 not found,
#: 4 infeasible or other engine error, 1 unexpected failure.
EXIT_INVALID = 2
EXIT_NOT_FOUND = 3
EXIT_ENGINE = 4


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every registered sub-command."""
    parser = argparse.ArgumentParser(
        prog="yunli",
        description="Yunli (运力): vehicle–cargo matching, routing and live re-planning.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``yunli`` console script."""
    from engine.errors import InvalidInputError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        rc = args.func(args)
    except InvalidInputError as e:
        print(f"yunli {args.command}: invalid input: {e}", file=sys.stderr)
        return EXIT_INVALID
    except NotFoundError as e:
        print(f"yunli {args.command}: not found: {e}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except YunliError as e:
        print(f"yunli {args.command}: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_ENGINE
    return int(rc or 0)


if __name__ == "__main__":
    raise SystemExit(main())
