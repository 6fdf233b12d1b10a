#!/usr/bin/env bash
# Create .venv with Python 3.11+ and install Tandem into it, again only when pyproject.toml changes.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
STAMP="$VENV/.installed"

say() { printf 'bootstrap: %s\n' "$*" >&2; }

is_recent_python() {
    command -v "$1" >/dev/null 2>&1 &&
        "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null
}

find_python() {
    if [ -n "${PYTHON:-}" ]; then
        is_recent_python "$PYTHON" && { echo "$PYTHON"; return 0; }
        say "PYTHON=$PYTHON is missing or older than Python 3.11."
        return 1
    fi
    for candidate in python3 python3.13 python3.12 python3.11; do
        is_recent_python "$candidate" && { echo "$candidate"; return 0; }
    done
    say "Tandem needs Python 3.11 or newer; none found as python3, python3.13, python3.12, python3.11."
    say "Install one (Debian/Ubuntu: apt-get install python3 python3-venv) or set PYTHON=/path/to/python3.11."
    return 1
}

create_venv() {
    local python
    python=$(find_python) || exit 1
    say "creating $VENV with $("$python" --version 2>&1)"
    if ! "$python" -m venv "$VENV"; then
        rm -rf "$VENV"
        say "could not create a virtualenv; on Debian/Ubuntu install it with: apt-get install python3-venv"
        exit 1
    fi
}

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    rm -rf "$VENV"
    create_venv
elif ! is_recent_python "$VENV/bin/python"; then
    say "$VENV has an old Python; making it again"
    rm -rf "$VENV"
    create_venv
fi

wanted="$(sha256sum pyproject.toml | cut -d' ' -f1) $("$VENV/bin/python" --version 2>&1)"
if [ "$(cat "$STAMP" 2>/dev/null)" != "$wanted" ]; then
    say "installing Tandem and its dependencies into $VENV (the first time takes a minute or two)"
    "$VENV/bin/python" -m pip install --quiet --progress-bar off -e ".[test]"
    printf '%s\n' "$wanted" >"$STAMP"
fi

# Thunderbird's calendar parser (npm ical.js) for the invitation tests and axe-core for the
# accessibility checks, where npm is installed; without them those tests skip and say so (CI
# installs npm and fails them instead).
if command -v npm >/dev/null 2>&1 &&
    { [ ! -d tests/js/node_modules/ical.js ] || [ ! -d tests/js/node_modules/axe-core ]; }; then
    say "installing ical.js and axe-core for the invitation and accessibility tests"
    npm ci --prefix tests/js --no-audit --no-fund --loglevel=error >/dev/null || say "npm ci failed"
fi
