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
]

#: Exit codes: 0 success, 2 bad input (argparse uses 2 as well), 3 not found,
#: 4 infeasible or other engine error, 130 interrupted (Ctrl-C), 1 unexpected failure.
EXIT_INVALID = 2
EXIT_NOT_FOUND = 3
EXIT_ENGINE = 4
EXIT_INTERRUPTED = 130

#: Long-running commands run on a helper thread while the main thread watches for
#: Ctrl-C: a running search is cancelled and the command writes its best solution so far
#: (exit 130); a command with no cancellable search running stops at once (exit 130).
INTERRUPTIBLE: frozenset[str] = frozenset({"solve", "optimize", "match", "plan-loads"})


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
        rc = _run_interruptible(args) if args.command in INTERRUPTIBLE else args.func(args)
    except InvalidInputError as e:
        print(f"yunli {args.command}: invalid input: {e}", file=sys.stderr)
        return EXIT_INVALID
    except NotFoundError as e:
        print(f"yunli {args.command}: not found: {e}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except YunliError as e:
        print(f"yunli {args.command}: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_ENGINE
    except KeyboardInterrupt:
        print(f"yunli {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return int(rc or 0)


def _run_interruptible(args: argparse.Namespace) -> int | None:
    """``args.func(args)`` on a helper thread; Ctrl-C cancels its running search (see
    :mod:`engine.interrupt`) and waits for the command to write what it has, or, with no
    search running, raises ``KeyboardInterrupt`` at once."""
    import threading

    from engine.interrupt import cancel_running

    box: list[int | None] = []
    error: list[BaseException] = []
    done = threading.Event()

    def target() -> None:
        try:
            box.append(args.func(args))
        except BaseException as e:  # re-raised on the main thread
            error.append(e)
        finally:
            done.set()

    threading.Thread(target=target, name=f"yunli-{args.command}", daemon=True).start()
    try:
        while not done.wait(0.02):
            pass
    except KeyboardInterrupt:
        if not cancel_running():
            raise
        done.wait()
    if error:
        raise error[0]
    return box[0]


if __name__ == "__main__":
    raise SystemExit(main())
