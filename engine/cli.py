"""The ``yunli`` command line.

Each capability contributes its sub-commands from its own module through a
``register(subparsers)`` function listed in :data:`COMMAND_MODULES`.

Every command ends with one of the exit codes in :data:`EXIT_CODES` and reports a
failure as one line on standard error (no traceback; set ``YUNLI_DEBUG=1`` to see one).
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Final, NoReturn

from engine.errors import (
    InfeasibleError,
    InternalError,
    InvalidInputError,
    NotFoundError,
    SolverTimeoutError,
    YunliError,
)

#: Modules whose ``register(subparsers)`` adds sub-commands, in help order.
COMMAND_MODULES: list[str] = [
    "engine.data.cli",
    "engine.matching.cli",
    "server.cli",
    "engine.routing.cli",
    "engine.routing.loadplan.cli",
    "engine.live.cli",
    "server.console.cli",
    "engine.cluster.cli",
    "engine.orders.cli",
    "engine.crossborder.cli",
    "engine.stores.cli",
]

EXIT_OK: Final = 0
#: An unexpected failure: a bug in Yunli (please report it with the command line).
EXIT_INTERNAL: Final = 1
#: Invalid input: a malformed or incomplete file, a bad option or value (argparse too).
EXIT_INVALID: Final = 2
#: A file, folder or id that does not exist.
EXIT_NOT_FOUND: Final = 3
#: The run finished but not everything was served: infeasible, unserved jobs or
#: shipments, unplaced items, or no solution within the time limit.
EXIT_INCOMPLETE: Final = 4
#: Interrupted (Ctrl-C or SIGTERM); the best result so far was written where possible.
EXIT_INTERRUPTED: Final = 130
#: Backwards-compatible name of :data:`EXIT_INCOMPLETE`.
EXIT_ENGINE: Final = EXIT_INCOMPLETE

#: The one table of exit codes, shown in ``yunli --help`` and the README.
EXIT_CODES: Final = (
    (EXIT_OK, "success"),
    (EXIT_INTERNAL, "internal error (a bug: please report it)"),
    (EXIT_INVALID, "invalid input (file, option or value)"),
    (EXIT_NOT_FOUND, "file, folder or id not found"),
    (EXIT_INCOMPLETE, "infeasible or partially served (unserved jobs, unplaced items)"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C); best result so far kept"),
)

#: Long-running commands run on a helper thread while the main thread watches for
#: Ctrl-C: a running search is cancelled and the command writes its best solution so far
#: (exit 130); a command with no cancellable search running stops at once (exit 130).
INTERRUPTIBLE: frozenset[str] = frozenset({"solve", "optimize", "match", "plan-loads"})

#: Longest accepted ``--time-limit``: one week.
MAX_TIME_LIMIT_S: Final = 7 * 24 * 3600.0


def seconds(text: str) -> float:
    """``argparse`` type of ``--time-limit``: a finite number of seconds in (0, one week].

    Raises
    ------
    argparse.ArgumentTypeError
        Non-numbers, NaN, infinities, non-positive values and values above one week.
    """
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(v) or v <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text}")
    if v > MAX_TIME_LIMIT_S:
        raise argparse.ArgumentTypeError(
            f"{text} s is more than the maximum of {MAX_TIME_LIMIT_S:.0f} s (one week)"
        )
    return v


class _Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors (exit code 2) that point at ``--help``."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_INVALID, f"{self.prog}: invalid usage: {message} (see {self.prog} --help)\n")


def _epilog() -> str:
    rows = "\n".join(f"  {code:>3}  {what}" for code, what in EXIT_CODES)
    return f"exit codes (every command):\n{rows}"


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every registered sub-command."""
    parser = _Parser(
        prog="yunli",
        description="Yunli (运力): vehicle–cargo matching, routing and live re-planning.",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    for p in sub.choices.values():
        if p.epilog is None:
            p.epilog = _epilog()
            p.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``yunli`` console script; returns an exit code of :data:`EXIT_CODES`."""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    except KeyboardInterrupt:
        print("\nyunli: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    name = f"yunli {args.command}"
    try:
        rc = _run_interruptible(args) if args.command in INTERRUPTIBLE else args.func(args)
    except KeyboardInterrupt:
        print(f"\n{name}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except InvalidInputError as e:
        print(f"{name}: invalid input: {e}", file=sys.stderr)
        return EXIT_INVALID
    except NotFoundError as e:
        print(f"{name}: not found: {e}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except (InfeasibleError, SolverTimeoutError) as e:
        print(f"{name}: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_INCOMPLETE
    except FileNotFoundError as e:
        print(f"{name}: not found: {e.filename or e}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except OSError as e:
        where = f"{e.filename}: " if e.filename else ""
        print(f"{name}: cannot access {where}{e.strerror or e}", file=sys.stderr)
        return EXIT_INVALID
    except (InternalError, YunliError, Exception) as e:
        if os.environ.get("YUNLI_DEBUG"):
            traceback.print_exc()
        print(
            f"{name}: internal error ({type(e).__name__}: {e}); this is a bug in Yunli, please "
            "report it with the command line (YUNLI_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
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
