"""Generate the Python gRPC code for ``proto/yunli/v1/*.proto`` into ``server/gen/``.

The generated modules are **committed** (so an installed wheel and a fresh checkout
need no code generation, and the message stubs type the server). After changing a
``.proto`` file, regenerate with ``bash scripts/gen_proto.sh`` (``python -m
server._codegen``) and commit the result; ``scripts/lint.sh`` runs ``python -m
server._codegen --check``, which generates into a temporary directory and fails when
the committed code differs. Nothing generates code at import time. Generation needs
``grpcio-tools`` (pinned in the ``dev`` extra, so the output is reproducible); it
writes to a temporary directory and renames it into place, so two processes
generating at once cannot leave a half-written package.
"""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SERVER_DIR = Path(__file__).resolve().parent
PROTO_ROOT = SERVER_DIR.parent / "proto"
GEN_DIR = SERVER_DIR / "gen"
PACKAGE = "yunli/v1"

_GEN_INIT = (
    '"""Generated gRPC code, committed: regenerate with scripts/gen_proto.sh '
    '(see server/_codegen.py)."""\n'
)


def proto_files() -> list[Path]:
    """The ``.proto`` files of package ``yunli.v1`` (empty outside a source checkout)."""
    return sorted((PROTO_ROOT / PACKAGE).glob("*.proto"))


def _protoc(out_dir: Path) -> Path:
    """Generate the ``yunli`` package into ``out_dir``; returns ``out_dir / "yunli"``."""
    protos = proto_files()
    if not protos:
        raise RuntimeError(f"no .proto files under {PROTO_ROOT / PACKAGE}")
    try:
        import grpc_tools  # type: ignore[import-untyped]
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise RuntimeError("grpcio-tools is needed to generate server/gen") from e
    include = str(Path(grpc_tools.__file__).parent / "_proto")
    # protoc runs in a child process: its native module must not be loaded beside the
    # protobuf runtime a server or test process has already imported (that aborts)
    args = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{include}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *[str(p.relative_to(PROTO_ROOT)) for p in protos],
    ]
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"protoc failed with exit code {done.returncode}: {done.stderr}")
    out = out_dir / PACKAGE
    pattern = re.compile(r"^from yunli\.v1 import", re.MULTILINE)
    for f in out.iterdir():
        if f.suffix in (".py", ".pyi"):
            f.write_text(pattern.sub("from server.gen.yunli.v1 import", f.read_text()))
    (out_dir / "yunli" / "__init__.py").write_text("")
    (out / "__init__.py").write_text('"""Generated from proto/yunli/v1 (do not edit)."""\n')
    return out_dir / "yunli"


def generate() -> Path:
    """Run ``grpc_tools.protoc`` and fix the imports to ``server.gen.yunli.v1``.

    Returns
    -------
    Path
        The generated package directory.

    Raises
    ------
    RuntimeError
        If there are no ``.proto`` files, grpcio-tools is missing or protoc fails.
    """
    GEN_DIR.mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".gen-", dir=GEN_DIR))
    try:
        made = _protoc(tmp)
        (GEN_DIR / "__init__.py").write_text(_GEN_INIT)
        target = GEN_DIR / "yunli"
        old = None
        if target.exists():
            old = GEN_DIR / f".old-{os.getpid()}"
            target.rename(old)
        made.rename(target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return target / "v1"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def stale_files() -> list[str]:
    """Files of ``server/gen`` that differ from freshly generated code (added, changed
    or missing), relative to ``server/gen``; empty when the committed code is current.

    Raises
    ------
    RuntimeError
        As :func:`generate`.
    """
    with tempfile.TemporaryDirectory() as d:
        _protoc(Path(d))
        (Path(d) / "__init__.py").write_text(_GEN_INIT)
        out: list[str] = []
        fresh_files = {
            p.relative_to(d).as_posix()
            for p in Path(d).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }
        committed = {
            p.relative_to(GEN_DIR).as_posix()
            for p in GEN_DIR.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
        }
        for name in sorted(fresh_files | committed):
            a, b = Path(d) / name, GEN_DIR / name
            if not (a.exists() and b.exists() and filecmp.cmp(a, b, shallow=False)):
                out.append(name)
        return out


def main(argv: list[str]) -> int:
    """``python -m server._codegen [--check]``: regenerate, or check freshness."""
    if argv == ["--check"]:
        stale = stale_files()
        if stale:
            print(
                "server/gen is stale (regenerate with scripts/gen_proto.sh and commit): "
                + ", ".join(stale),
                file=sys.stderr,
            )
            return 1
        print("server/gen: current", file=sys.stderr)
        return 0
    if argv:
        print("usage: python -m server._codegen [--check]", file=sys.stderr)
        return 2
    path = generate()
    print(f"generated {len(list(path.glob('*_pb2*.py')))} modules in {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
