#!/usr/bin/env bash
# Runs every fuzz target for FUZZTIME each (default 10s). go test -fuzz takes
# one target of one package at a time, so they are listed here.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-10s}
targets=$(grep -rl --include='*_test.go' '^func Fuzz' . | sort)
for f in $targets; do
  pkg=./$(dirname "${f#./}")
  for t in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //'); do
    echo "fuzz: $pkg $t for $fuzztime"
    go test -run '^$' -fuzz "^$t\$" -fuzztime "$fuzztime" "$pkg"
  done
done
