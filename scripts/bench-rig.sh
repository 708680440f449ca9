#!/bin/sh
# Bench rig: provision several modules in parallel, one lpa-agent per AT port.
#
#   scripts/bench-rig.sh /dev/serial/by-id/usb-Quectel_*-if02-port0
#
# Each agent takes its module's lock, keeps its own journal (one per EID) and writes its JSON lines
# to logs/<port>.jsonl; the script waits for all and prints one line per port with the exit code
# (0 done or already done; see "Exit codes" in the README for the others). Settings and secrets
# come from the environment / config file as for a single run (LPA_AGENT_*, TWILIO_*/KORE_*,
# /etc/lpa-agent/config.json); extra arguments after "--" go to every agent:
#
#   scripts/bench-rig.sh /dev/ttyUSB2 /dev/ttyUSB6 -- --fleet bench-fleet --timeout 10m
set -u
LPA_AGENT=${LPA_AGENT:-lpa-agent}
LOG_DIR=${LOG_DIR:-logs}
ports=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do ports="$ports $1"; shift; done
[ "${1:-}" = "--" ] && shift
[ -n "$ports" ] || { echo "usage: $0 <AT port>... [-- <provision options>]" >&2; exit 2; }
mkdir -p "$LOG_DIR"

pids=""
for port in $ports; do
  log="$LOG_DIR/$(basename "$port").jsonl"
  $LPA_AGENT --json --device "$port" provision "$@" >"$log" 2>&1 &
  pids="$pids $!:$port"
  echo "started $port (pid $!, log $log)"
done

failed=0
for entry in $pids; do
  pid=${entry%%:*}
  port=${entry#*:}
  if wait "$pid"; then code=0; else code=$?; fi
  [ "$code" -eq 0 ] || failed=$((failed + 1))
  echo "$port: exit $code"
done
echo "$failed of $(echo $pids | wc -w) failed"
[ "$failed" -eq 0 ]
