#!/usr/bin/env bash
# Removes the PowerWatch agent installed by install.sh.
#
#   sudo install/linux/uninstall.sh            # remove program and units; keep /etc/powerwatch and /var/lib/powerwatch
#   sudo install/linux/uninstall.sh --purge    # also remove configuration, data and the 'powerwatch' user
#
# Options: --prefix DIR (as given to install.sh), --purge, -h/--help. Honours DESTDIR like install.sh.
set -euo pipefail

prefix="/opt/powerwatch"
purge=0
destdir="${DESTDIR:-}"

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    --purge) purge=1; shift ;;
    -h|--help) sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "uninstall.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done

if [ -z "$destdir" ] && command -v systemctl >/dev/null; then
  for unit in powerwatch.service powerwatch-ingest.service; do
    systemctl disable --now "$unit" 2>/dev/null || true
  done
fi

rm -f "$destdir/lib/systemd/system/powerwatch.service" "$destdir/lib/systemd/system/powerwatch-ingest.service"
case "$prefix" in
  ""|"/"|"/usr"|"/usr/local"|"/opt") echo "uninstall.sh: refusing to remove prefix '$prefix'" >&2; exit 1 ;;
esac
rm -rf "$destdir$prefix"

if [ -z "$destdir" ] && command -v systemctl >/dev/null; then
  systemctl daemon-reload || true
fi

if [ "$purge" = 1 ]; then
  rm -rf "$destdir/etc/powerwatch" "$destdir/var/lib/powerwatch"
  if [ -z "$destdir" ] && getent passwd powerwatch >/dev/null; then
    userdel powerwatch || true
  fi
  echo "PowerWatch removed, including configuration and data."
else
  echo "PowerWatch removed; kept $destdir/etc/powerwatch and $destdir/var/lib/powerwatch (use --purge to remove them)."
fi
