# Sourced by scripts/start and scripts/test: a project venv in .venv, made with what Debian has.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
if [ ! -x .venv/bin/python ]; then
  # Debian ships venv's pip bootstrap in a separate package.
  "$PYTHON" -m venv .venv 2>/dev/null || { rm -rf .venv; apt_install python3-venv; "$PYTHON" -m venv .venv; }
fi
# The venv's own pip and setuptools are whatever Python shipped, with known advisories: upgraded first.
.venv/bin/python -m pip install -q --upgrade pip setuptools >/dev/null
# Receipts are PDFs in DejaVu Sans, which has the Georgian letters (connectors/receipt.py).
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || apt_install fonts-dejavu-core
