#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs the package (editable, so the
# native module is built in place) with its test dependencies, then runs the lint
# command, cargo test, pytest and the benchmark suite in quick mode.
set -euo pipefail
cd "$(dirname "$0")/.."

python -m pip install --quiet --upgrade pip
python -m pip install --quiet -e '.[dev,bench,ray]'
if [ -x scripts/start_services.sh ]; then source scripts/start_services.sh; fi

bash scripts/lint.sh

echo "== cargo test"
cargo test --workspace

run_pytest() {
  local rc=0
  python -m pytest "$@" || rc=$?
  # pytest exits 5 when it collected no test; that is a failure of this suite too,
  # except for optional selections, which pass their own guard.
  if [ "$rc" -ne 0 ]; then echo "pytest $* failed with exit code $rc"; return "$rc"; fi
}

echo "== pytest"
run_pytest tests -q -p no:cacheprovider

echo "== benchmarks (quick mode)"
run_pytest bench -q -p no:cacheprovider --benchmark-enable --benchmark-min-rounds=1 \
  --benchmark-max-time=0.5 --benchmark-warmup=off
echo "all tests: ok"
