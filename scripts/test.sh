#!/usr/bin/env bash
# The README's test command (make test). On a fresh machine it installs and
# starts what the tests need: a real OpenSearch node from Maven Central
# (scripts/opensearch-dev.sh), then runs every Go test with the node
# required, then each fuzz target briefly, then stops the node.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== gofmt / go vet"
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt would change: $unformatted"; exit 1; fi
go vet ./...

echo "== starting OpenSearch"
url=$(bash scripts/opensearch-dev.sh start | tail -n 1)
trap 'bash scripts/opensearch-dev.sh stop || true' EXIT
export OPENSEARCH_URL="$url"
export DMARC_AGENT_REQUIRE_OPENSEARCH=1
export OPENSEARCH_DEV_SCRIPT="$PWD/scripts/opensearch-dev.sh"
echo "OpenSearch at $OPENSEARCH_URL"

echo "== go test"
go test -count=1 -timeout 30m ./...

echo "== fuzz (${FUZZTIME:-10s} per target)"
bash scripts/fuzz.sh
