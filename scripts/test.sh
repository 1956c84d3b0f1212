#!/usr/bin/env bash
# The README's test command (make test). On a fresh machine it installs and
# starts what the tests need: a real OpenSearch node and Elasticsearch 9.x
# and 8.x nodes from Maven Central (scripts/opensearch-dev.sh,
# scripts/elasticsearch-dev.sh) and a real Dovecot IMAP server from the
# Debian package (scripts/imap-dev.sh), then runs every Go test with them
# required, then each fuzz target briefly, then stops what it started.
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

# What to stop at exit: only what this script started.
on_exit=()
cleanup() {
	local c
	for c in "${on_exit[@]}"; do eval "$c" || true; done
}
trap cleanup EXIT

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
	on_exit+=("bash scripts/opensearch-dev.sh stop")
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
on_exit+=("bash scripts/imap-dev.sh stop")
while IFS= read -r line; do export "$line"; done <<<"$imap_env"
export DMARC_AGENT_REQUIRE_IMAP=1
echo "Dovecot at $IMAP_TEST_ADDR"

# Elasticsearch 9.x and 8.x (minimal distributions from Maven Central), on
# ports ELASTICSEARCH_BASE_PORT, +1, ...; started side by side, 512m heap
# each; a node already running there is used and left running.
# ELASTICSEARCH_VERSIONS="" runs without them.
es_versions=${ELASTICSEARCH_VERSIONS-9.2.0 8.17.0}
if [ -n "$es_versions" ]; then
	echo "== starting Elasticsearch $es_versions"
	es_began=$SECONDS
	port=${ELASTICSEARCH_BASE_PORT:-9250}
	es_ports=() es_pids=() es_urls=()
	for v in $es_versions; do
		es=(env ELASTICSEARCH_VERSION="$v" ELASTICSEARCH_PORT="$port" bash scripts/elasticsearch-dev.sh)
		if ! "${es[@]}" status >/dev/null 2>&1; then
			on_exit+=("ELASTICSEARCH_VERSION=$v ELASTICSEARCH_PORT=$port bash scripts/elasticsearch-dev.sh stop")
		fi
		"${es[@]}" start >"${TMPDIR:-/tmp}/es-start-$port.out" &
		es_pids+=($!)
		es_ports+=("$port")
		port=$((port + 1))
	done
	for i in "${!es_pids[@]}"; do
		wait "${es_pids[$i]}" || { echo "Elasticsearch on port ${es_ports[$i]} did not start"; exit 1; }
		es_urls+=("$(tail -n 1 "${TMPDIR:-/tmp}/es-start-${es_ports[$i]}.out")")
	done
	ELASTICSEARCH_URL=$(IFS=,; echo "${es_urls[*]}")
	export ELASTICSEARCH_URL
	export DMARC_AGENT_REQUIRE_ELASTICSEARCH=1
	export ELASTICSEARCH_DEV_SCRIPT="$PWD/scripts/elasticsearch-dev.sh"
	echo "Elasticsearch at $ELASTICSEARCH_URL (started in $((SECONDS - es_began))s)"
fi

echo "== go test"
go test -count=1 -timeout 30m ./...

echo "== fuzz (${FUZZTIME:-10s} per target)"
bash scripts/fuzz.sh
