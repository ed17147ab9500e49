#!/usr/bin/env bash
# As a new user on a fresh machine: clone this repository into a temporary folder, make a new virtual
# environment with the newest releases pyproject.toml allows (pip's cache may serve them, but never an
# older one than the registry's newest in range), and run the README's two commands.
#
#     bash tools/fresh_check.sh [REPO]      # REPO: a path or URL to clone (default: this checkout's HEAD)
#
# Prints the releases it installed, the quickstart's verdict and pytest's last line; exits non-zero when
# either command fails. The clone is removed afterwards unless KEEP=1.
set -euo pipefail
repo="${1:-$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)}"
work="$(mktemp -d -t natsim-fresh-XXXXXX)"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
git clone -q "$repo" "$work/natsim"
cd "$work/natsim"
echo "fresh clone: $(git log -1 --format='%h %s' | cut -c1-100) in $work/natsim"
python3 --version

# The README's first command: install and run the quickstart district.
python3 -m venv .venv && .venv/bin/pip install -q --upgrade --upgrade-strategy eager -e . \
    && .venv/bin/natsim run scenarios/quickstart.yaml

# The README's second command: install the tests' extras and run them.
python3 -m venv .venv && .venv/bin/pip install -q --upgrade --upgrade-strategy eager -e '.[test]'
echo "installed: $(.venv/bin/python -m sim.core.versions)"
.venv/bin/pytest 2>&1 | tail -n 3
exit "${PIPESTATUS[0]}"
