#!/usr/bin/env bash
# Runs a command (default: npm test) in a shell where `socat` cannot be run, as on a fresh machine
# with only Node.js and npm: PATH is rebuilt from links to every program on the current PATH except
# socat. `npm test` must pass like that (the pseudo-terminals come from the prebuilt node-pty
# binding; the socat fallback test skips with one printed line).
#   scripts/test-without-socat.sh                      # npm test
#   scripts/test-without-socat.sh npx vitest run test/cli/serveModem.test.ts
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
IFS=: read -r -a dirs <<< "$PATH"
for d in "${dirs[@]}"; do
  [ -d "$d" ] || continue
  for f in "$d"/*; do
    name="$(basename "$f")"
    [ "$name" = socat ] && continue
    [ -x "$f" ] && [ ! -e "$bin/$name" ] && ln -s "$f" "$bin/$name"
  done
done
if PATH="$bin" command -v socat >/dev/null 2>&1; then echo "socat still reachable" >&2; exit 1; fi
echo "PATH without socat: $bin" >&2
if [ $# -eq 0 ]; then set -- npm test; fi
PATH="$bin" "$@"
