#!/usr/bin/env bash
# Set up the virtualenv if needed, then run every Tandem process for development (make run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/python scripts/run.py "$@"
