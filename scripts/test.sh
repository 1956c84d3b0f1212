#!/usr/bin/env bash
# The README's test command (make test). On a fresh machine it installs and
# starts what the tests need: a real OpenSearch node from Maven Central
# (scripts/opensearch-dev.sh) and a real Dovecot IMAP server from the Debian
# package (scripts/imap-dev.sh), then runs every Go test with the node
# required, then each fuzz target briefly, then stops the node.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== gofmt / go vet"
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt would change: $unformatted"; exit 1; fi
go vet ./...

echo "== headless Chromium (the HTML report's browser test)"
if ! bash scripts/chromium.sh; then
  echo "Chromium could not be installed: the browser test will skip (and fail when CI=true)"
fi

echo "== starting OpenSearch"
# A node that was already running (started by someone else, or by an earlier
# run) is used and left running: this script stops only a node it started.
if bash scripts/opensearch-dev.sh status >/dev/null 2>&1; then
	started=no
else
	started=yes
fi
url=$(bash scripts/opensearch-dev.sh start | tail -n 1)
if [ "$started" = yes ]; then
	trap 'bash scripts/opensearch-dev.sh stop || true' EXIT
fi
export OPENSEARCH_URL="$url"
export DMARC_AGENT_REQUIRE_OPENSEARCH=1
export OPENSEARCH_DEV_SCRIPT="$PWD/scripts/opensearch-dev.sh"
# Tests that stop or restart a node start their own (internal/testcluster
# OwnNode) on a free port with a state directory of their own; the shared
# node's OPENSEARCH_PORT / OPENSEARCH_STATE_DIR are never passed to them.
echo "OpenSearch at $OPENSEARCH_URL"

echo "== starting Dovecot (IMAP source tests)"
imap_env=$(bash scripts/imap-dev.sh start)
trap 'bash scripts/imap-dev.sh stop || true; bash scripts/opensearch-dev.sh stop || true' EXIT
while IFS= read -r line; do export "$line"; done <<<"$imap_env"
export DMARC_AGENT_REQUIRE_IMAP=1
echo "Dovecot at $IMAP_TEST_ADDR"

echo "== go test"
go test -count=1 -timeout 30m ./...

echo "== fuzz (${FUZZTIME:-10s} per target)"
bash scripts/fuzz.sh
