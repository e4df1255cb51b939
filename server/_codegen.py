"""Generate the Python gRPC code for ``proto/yunli/v1/*.proto`` into ``server/gen/``.

The generated modules are build output (gitignored). ``scripts/gen_proto.sh`` runs
this module; :mod:`server.proto` runs it on import when the code is missing or
older than the ``.proto`` files (in a source checkout, with ``grpcio-tools``).
Generation writes to a temporary directory and renames it into place, so two
processes generating at once cannot leave a half-written package.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

SERVER_DIR = Path(__file__).resolve().parent
PROTO_ROOT = SERVER_DIR.parent / "proto"
GEN_DIR = SERVER_DIR / "gen"
PACKAGE = "yunli/v1"


def proto_files() -> list[Path]:
    """The ``.proto`` files of package ``yunli.v1`` (empty outside a source checkout)."""
    return sorted((PROTO_ROOT / PACKAGE).glob("*.proto"))


def is_stale() -> bool:
    """True when generated code is missing or older than a ``.proto`` file."""
    marker = GEN_DIR / PACKAGE / "__init__.py"
    if not marker.exists():
        return True
    protos = proto_files()
    if not protos:
        return False
    return max(p.stat().st_mtime for p in protos) > marker.stat().st_mtime


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
    protos = proto_files()
    if not protos:
        raise RuntimeError(f"no .proto files under {PROTO_ROOT / PACKAGE}")
    try:
        import grpc_tools  # type: ignore[import-untyped]
        from grpc_tools import protoc
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise RuntimeError("grpcio-tools is needed to generate server/gen") from e
    include = str(Path(grpc_tools.__file__).parent / "_proto")
    GEN_DIR.mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".gen-", dir=GEN_DIR))
    try:
        args = [
            "protoc",
            f"-I{PROTO_ROOT}",
            f"-I{include}",
            f"--python_out={tmp}",
            f"--pyi_out={tmp}",
            f"--grpc_python_out={tmp}",
            *[str(p.relative_to(PROTO_ROOT)) for p in protos],
        ]
        rc = protoc.main(args)
        if rc != 0:
            raise RuntimeError(f"protoc failed with exit code {rc}")
        out = tmp / PACKAGE
        pattern = re.compile(r"^from yunli\.v1 import", re.MULTILINE)
        for f in out.iterdir():
            if f.suffix in (".py", ".pyi"):
                f.write_text(pattern.sub("from server.gen.yunli.v1 import", f.read_text()))
        (tmp / "yunli" / "__init__.py").write_text("")
        (out / "__init__.py").write_text('"""Generated from proto/yunli/v1 (do not edit)."""\n')
        (GEN_DIR / "__init__.py").write_text('"""Generated gRPC code (build output)."""\n')
        target = GEN_DIR / "yunli"
        old = None
        if target.exists():
            old = GEN_DIR / f".old-{os.getpid()}"
            target.rename(old)
        (tmp / "yunli").rename(target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return target / "v1"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    path = generate()
    print(f"generated {len(list(path.glob('*_pb2*.py')))} modules in {path}", file=sys.stderr)
