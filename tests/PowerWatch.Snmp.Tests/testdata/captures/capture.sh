#!/usr/bin/env bash
# Regenerates the net-snmp packet captures in this folder (golden vectors: RFC 3416 gives no example bytes).
# Each .txt file is the verbatim `-d` output (hex dump of every packet sent and received) of a Debian
# net-snmp 5.9.3 tool against a local snmpd 5.9.3 started with snmpd.conf from this folder:
#   SNMP_PERSISTENT_DIR=$(mktemp -d) snmpd -f -Lo -C -c snmpd.conf udp:127.0.0.1:PORT
# Usage: capture.sh PORT (an snmpd already running as above). The traps go to a port nobody listens on.
set -euo pipefail
port=${1:?port}
a="127.0.0.1:$port"
export MIBS=
v2="-v2c -c public -On"
cap() { local name=$1; shift; { echo "# $*"; "$@" 2>&1 || true; } | grep -v '^Created directory' > "$name.txt"; }
cap get-v2c-sysdescr           snmpget -d $v2 "$a" 1.3.6.1.2.1.1.1.0
cap get-v1-sysuptime           snmpget -d -v1 -c public -On "$a" 1.3.6.1.2.1.1.3.0
cap get-v1-nosuchname          snmpget -d -v1 -c public -On "$a" 1.3.6.1.2.1.1.1.0 1.3.6.1.2.1.1.99.0
cap getnext-v2c-system         snmpgetnext -d $v2 "$a" 1.3.6.1.2.1.1 1.3.6.1.2.1.1.2
cap getbulk-v2c-system         snmpbulkget -d $v2 -Cn1 -Cr4 "$a" 1.3.6.1.2.1.1.1.0 1.3.6.1.2.1.1
cap get-v2c-nosuch             snmpget -d $v2 "$a" 1.3.6.1.2.1.1.99.0 1.3.6.1.2.1.1.1.1
cap getnext-v2c-endofmibview   snmpgetnext -d $v2 "$a" 1.3.6.1.6.3.99
cap get-v2c-counters           snmpget -d $v2 "$a" 1.3.6.1.2.1.2.2.1.10.1 1.3.6.1.2.1.2.2.1.5.1 1.3.6.1.2.1.31.1.1.1.6.1 1.3.6.1.2.1.4.20.1.1.127.0.0.1
cap get-v3-authpriv-sha-aes    snmpget -d -v3 -l authPriv -u pwuser -a SHA -A authpass123 -x AES -X privpass123 -On "$a" 1.3.6.1.2.1.1.1.0
cap get-v3-authpriv-sha256-aes snmpget -d -v3 -l authPriv -u pwuser256 -a SHA-256 -A authpass123 -x AES -X privpass123 -On "$a" 1.3.6.1.2.1.1.5.0
cap get-v3-wrong-password      snmpget -d -r0 -v3 -l authPriv -u pwuser -a SHA -A wrongpass123 -x AES -X privpass123 -On "$a" 1.3.6.1.2.1.1.1.0
cap trap-v2c                   snmptrap -d -v2c -c public 127.0.0.1:9 12345 1.3.6.1.6.3.1.1.5.1 1.3.6.1.2.1.1.5.0 s "ups1"
cap trap-v1                    snmptrap -d -v1 -c public 127.0.0.1:9 1.3.6.1.4.1.318 192.0.2.7 6 5 12345 1.3.6.1.2.1.1.5.0 s "ups1"
