#!/usr/bin/env bash
# Set up the virtualenv if needed, then run the whole test suite (make test), one pytest
# process per CPU (pytest-xdist); PYTEST_ARGS="-n 0" runs it in this process, for pdb.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
status=0
.venv/bin/python -m pytest -n auto "$@" || status=$?
if [ "$status" -eq 5 ]; then
    # pytest's 5 means it collected no test: say so plainly rather than fail a filtered run.
    echo "test: pytest collected no test (exit 5); nothing ran." >&2
    exit 0
fi
exit "$status"
