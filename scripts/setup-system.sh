#!/usr/bin/env bash
# Install what Qudao needs from the operating system and PyPI, once per machine:
# uv (Python environments), Debian's chromium (browser tests), fonts-noto-cjk
# (Chinese glyphs in screenshots, charts and PDFs), Pango (PDF layout), gettext
# (translations) and a Java runtime (the review on Spark, the spark extra).
set -euo pipefail

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# (grep reads all of fc-list: with -q it would quit early and pipefail would see SIGPIPE)
fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || need_apt+=(fonts-noto-cjk)
command -v msgfmt >/dev/null 2>&1 || need_apt+=(gettext)
# WeasyPrint (rebate statements as PDF) lays text out with Pango
ldconfig -p 2>/dev/null | grep "libpangoft2-1.0" >/dev/null || need_apt+=(libpango-1.0-0 libpangoft2-1.0-0)
command -v java >/dev/null 2>&1 || [ -n "${JAVA_HOME:-}" ] || need_apt+=(default-jre-headless)

if [ ${#need_apt[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "setup: installing ${need_apt[*]} with apt-get"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install ${need_apt[*]} with your package manager" >&2
    exit 1
  fi
fi

if ! command -v uv >/dev/null 2>&1; then
  echo "setup: installing uv with pip"
  python3 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv
fi
