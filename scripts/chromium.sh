#!/usr/bin/env bash
# Installs what the HTML report's browser test needs when it is missing: a
# headless Chromium and Japanese fonts (Debian packages chromium and
# fonts-noto-cjk). Exits non-zero when they cannot be installed.
set -euo pipefail

have_browser() {
  for b in chromium chromium-browser google-chrome google-chrome-stable chrome; do
    command -v "$b" >/dev/null 2>&1 && return 0
  done
  return 1
}
have_cjk_font() { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=ja 2>/dev/null)" ]; }

if have_browser && have_cjk_font; then
  exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "chromium.sh: not root and no sudo: cannot install chromium" >&2; exit 1; }
  sudo="sudo -n"
fi
command -v apt-get >/dev/null 2>&1 || { echo "chromium.sh: no apt-get: install chromium yourself" >&2; exit 1; }
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null
have_browser
