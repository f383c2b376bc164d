#!/usr/bin/env bash
# Installs the PowerWatch agent as a systemd service.
#
#   sudo install/linux/install.sh                  # publish from source (needs the .NET SDK), then install
#   sudo install/linux/install.sh --from DIR       # install an existing build (the output of dotnet publish)
#
# Options:
#   --from DIR      use DIR (must contain the 'powerwatch' executable) instead of publishing
#   --prefix DIR    install prefix for the program (default /opt/powerwatch)
#   --no-user       do not create the 'powerwatch' system user (implied when DESTDIR is set)
#   --no-enable     do not run systemctl daemon-reload / enable (implied when DESTDIR is set)
#   -h, --help      this text
#
# Environment: DESTDIR=/some/root stages the whole tree under that root (packaging, tests).
# Layout: $PREFIX/ program and profiles; /etc/powerwatch/powerwatch.json (copied from the example only when absent,
# never overwritten); /var/lib/powerwatch/ data; units in /lib/systemd/system; logs go to the journal.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
from=""
prefix="/opt/powerwatch"
create_user=1
enable=1
destdir="${DESTDIR:-}"

usage() { sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --from) from="${2:?--from needs a directory}"; shift 2 ;;
    --from=*) from="${1#--from=}"; shift ;;
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    --no-user) create_user=0; shift ;;
    --no-enable) enable=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

if [ -n "$destdir" ]; then
  create_user=0
  enable=0
fi

if [ -z "$from" ]; then
  command -v dotnet >/dev/null || { echo "install.sh: the .NET SDK is needed to publish; or pass --from DIR" >&2; exit 1; }
  from="$repo/artifacts/publish/linux-x64"
  echo "Publishing the agent to $from ..."
  dotnet publish "$repo/agent/PowerWatch.Agent" -c Release -r linux-x64 --self-contained \
    -p:PublishSingleFile=true -o "$from" -nologo
fi

[ -x "$from/powerwatch" ] || { echo "install.sh: $from/powerwatch not found or not executable" >&2; exit 1; }

bindir="$destdir$prefix"
confdir="$destdir/etc/powerwatch"
datadir="$destdir/var/lib/powerwatch"
unitdir="$destdir/lib/systemd/system"

if [ "$create_user" = 1 ]; then
  if ! getent group powerwatch >/dev/null; then
    groupadd --system powerwatch
  fi
  if ! getent passwd powerwatch >/dev/null; then
    useradd --system --gid powerwatch --groups dialout --home-dir /var/lib/powerwatch \
      --no-create-home --shell /usr/sbin/nologin --comment "PowerWatch agent" powerwatch
  else
    usermod --append --groups dialout powerwatch
  fi
fi

install -d -m 0755 "$bindir" "$unitdir"
install -d -m 0750 "$confdir" "$datadir"

# Program: copy the build (executable, profiles, anything else published next to it).
cp -R "$from"/. "$bindir"/
chmod 0755 "$bindir/powerwatch"

# Units, with the program path rewritten to the chosen prefix.
for unit in powerwatch.service powerwatch-ingest.service; do
  sed "s#/opt/powerwatch#$prefix#g" "$here/$unit" > "$unitdir/$unit.tmp"
  chmod 0644 "$unitdir/$unit.tmp"
  mv -f "$unitdir/$unit.tmp" "$unitdir/$unit"
done

# Configuration: never overwrite what the operator has edited.
if [ ! -e "$confdir/powerwatch.json" ]; then
  sed "s#\"ProfileDirectory\": \"profiles\"#\"ProfileDirectory\": \"$prefix/profiles\"#; s#\"DataDirectory\": \"[^\"]*\"#\"DataDirectory\": \"/var/lib/powerwatch\"#" \
    "$repo/install/examples/powerwatch.json" > "$confdir/powerwatch.json"
  chmod 0640 "$confdir/powerwatch.json"
  echo "Installed example configuration $confdir/powerwatch.json: edit it for your site."
else
  echo "Kept existing configuration $confdir/powerwatch.json."
fi

if [ "$create_user" = 1 ]; then
  chown -R powerwatch:powerwatch "$datadir"
  chown root:powerwatch "$confdir" "$confdir/powerwatch.json"
fi

if [ "$enable" = 1 ] && command -v systemctl >/dev/null; then
  systemctl daemon-reload
  systemctl enable powerwatch.service
  echo "Enabled powerwatch.service. Check the configuration, then: systemctl start powerwatch"
fi

echo "PowerWatch installed in ${destdir:-/}: program $prefix, config /etc/powerwatch, data /var/lib/powerwatch."
