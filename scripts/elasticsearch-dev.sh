#!/usr/bin/env bash
# elasticsearch-dev.sh — a real single-node Elasticsearch for development and
# CI, without Docker. Same contract as scripts/opensearch-dev.sh.
#
#   scripts/elasticsearch-dev.sh start    download (once), start, wait for health, print the URL last
#   scripts/elasticsearch-dev.sh stop     stop the node; its data stays for the next start
#   scripts/elasticsearch-dev.sh url      print the URL
#   scripts/elasticsearch-dev.sh status   print "running URL" (exit 0) or "stopped" (exit 3)
#   scripts/elasticsearch-dev.sh reset    stop and delete the node's data and install
#
# The Elasticsearch minimal distribution
# (org.elasticsearch.distribution.integ-test-zip:elasticsearch:<version>:zip,
# Apache-licensed, no JDK, modules transport-netty4, x-pack-core,
# x-pack-security, apm only: no ILM, no ingest pipelines' extra processors)
# comes from Maven Central with `mvn dependency:copy`. The node runs as an
# unprivileged user (Elasticsearch refuses root; as root the script creates a
# system user), on 127.0.0.1, single-node, security off. `GET /` may answer
# 405 on this distribution, so health is read from _cluster/health only.
#
# Environment (all optional):
#   ELASTICSEARCH_VERSION        default 9.2.0 (newest 9.x known to resolve on Maven Central,
#                                checked 2026-11-29; its maven-metadata.xml lists no 9.x, so
#                                newer ones cannot be discovered); 8.17.0 is tested too
#   ELASTICSEARCH_PORT           HTTP port, default 9250; the transport port is HTTP + 100
#   ELASTICSEARCH_HEAP           JVM heap, default 512m
#   ELASTICSEARCH_CACHE          downloads, default ${XDG_CACHE_HOME:-~/.cache}/dmarc-agent/elasticsearch
#   ELASTICSEARCH_STATE_DIR      install + data + logs of this node, default
#                                /var/tmp/dmarc-agent-elasticsearch/<port> as root, $ELASTICSEARCH_CACHE/node-<port> otherwise
#   ELASTICSEARCH_USER           user to run as when started by root, default elasticsearch
#   ES_JAVA_HOME                 the JDK; otherwise the Temurin 25 JDK under /usr/lib/jvm, JAVA_HOME,
#                                or the newest suitable one found (9.x: Java 21+; 8.x: Java 17-23,
#                                since 8.x enables the Security Manager that Java 24 removed)
#   ELASTICSEARCH_EXTRA_JAVA_OPTS  appended to the JVM options
#   ELASTICSEARCH_START_TIMEOUT  seconds to wait for health, default 300
set -euo pipefail

VERSION=${ELASTICSEARCH_VERSION:-9.2.0}
PORT=${ELASTICSEARCH_PORT:-9250}
HEAP=${ELASTICSEARCH_HEAP:-512m}
CACHE=${ELASTICSEARCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dmarc-agent/elasticsearch}
if [[ $(id -u) -eq 0 ]]; then
	STATE=${ELASTICSEARCH_STATE_DIR:-/var/tmp/dmarc-agent-elasticsearch/$PORT}
	RUN_USER=${ELASTICSEARCH_USER:-elasticsearch}
else
	STATE=${ELASTICSEARCH_STATE_DIR:-$CACHE/node-$PORT}
	RUN_USER=$(id -un)
fi
TIMEOUT=${ELASTICSEARCH_START_TIMEOUT:-300}
URL="http://127.0.0.1:$PORT"
HOME_DIR="$STATE/elasticsearch-$VERSION"
PIDFILE="$STATE/elasticsearch.pid"

log() { echo "elasticsearch-dev: $*" >&2; }
die() { log "$*"; exit 1; }

# fetch GROUP:ARTIFACT:VERSION:zip into $CACHE/dist; prints the file path, or
# nothing when Maven Central does not have it.
fetch() {
	local gav=$1 file
	IFS=: read -r _ artifact ver _ <<<"$gav"
	file="$CACHE/dist/$artifact-$ver.zip"
	if [[ ! -s $file ]]; then
		command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"
		mkdir -p "$CACHE/dist"
		log "downloading $gav from Maven Central"
		if ! mvn -B -q dependency:copy \
			-Dartifact="$gav" -DoutputDirectory="$CACHE/dist" -Dmdep.overWriteReleases=true \
			>"$CACHE/dist/mvn-$artifact-$ver.log" 2>&1; then
			return 0
		fi
	fi
	[[ -s $file ]] && echo "$file"
	return 0
}

java_major() { # prints the feature version of the java in JDK dir $1, or 0
	local v
	v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
	echo "${v%%.*}" | grep -E '^[0-9]+$' || echo 0
}

# Elasticsearch 9.x runs on Java 21 and later (the Temurin 25 JDK under
# /usr/lib/jvm first). 8.x enables the Security Manager, which Java 24
# removed, so it needs Java 17 to 23.
jdk_fits() { # JDK dir $1 suits $VERSION
	local v
	[[ -n $1 && -x $1/bin/java ]] || return 1
	v=$(java_major "$1")
	if [[ $VERSION == 8.* ]]; then ((v >= 17 && v <= 23)); else ((v >= 21)); fi
}

find_jdk() {
	local c best="" bestv=0 v
	for c in "${ES_JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk* "${JAVA_HOME:-}"; do
		if jdk_fits "$c"; then
			echo "$c"
			return
		fi
	done
	local candidates=(/usr/lib/jvm/* /usr/local/lib/jvm/* /opt/java/* /opt/jdk* /usr/java/*)
	if command -v java >/dev/null; then candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"); fi
	for c in "${candidates[@]}"; do
		jdk_fits "$c" || continue
		v=$(java_major "$c")
		if ((v > bestv)); then best=$c bestv=$v; fi
	done
	[[ -n $best ]] || die "no JDK for Elasticsearch $VERSION found (8.x: Java 17-23, 9.x: Java 21+); set ES_JAVA_HOME"
	echo "$best"
}

as_user() {
	if [[ $(id -u) -eq 0 ]]; then
		runuser -u "$RUN_USER" -- "$@"
	else
		"$@"
	fi
}

ensure_user() {
	[[ $(id -u) -eq 0 ]] || return 0
	id -u "$RUN_USER" >/dev/null 2>&1 && return 0
	log "creating system user $RUN_USER"
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$RUN_USER" 2>/dev/null ||
		id -u "$RUN_USER" >/dev/null 2>&1 || die "cannot create user $RUN_USER"
}

install_node() {
	[[ -x $HOME_DIR/bin/elasticsearch ]] && return 0
	local dist
	dist=$(fetch "org.elasticsearch.distribution.integ-test-zip:elasticsearch:$VERSION:zip")
	[[ -n $dist ]] || die "Maven Central has no Elasticsearch $VERSION minimal distribution (see $CACHE/dist/mvn-elasticsearch-$VERSION.log)"
	mkdir -p "$STATE"
	local tmp="$STATE/.unpack"
	rm -rf "$tmp"
	mkdir -p "$tmp"
	unzip -q "$dist" -d "$tmp"
	mv "$tmp/elasticsearch-$VERSION" "$HOME_DIR"
	rm -rf "$tmp"
}

running_pid() { # prints the pid of our node if it is alive
	[[ -s $PIDFILE ]] || return 1
	local pid
	pid=$(cat "$PIDFILE")
	kill -0 "$pid" 2>/dev/null || return 1
	echo "$pid"
}

healthy() {
	curl -fsS --max-time 5 "$URL/_cluster/health?wait_for_status=yellow&timeout=4s" 2>/dev/null | grep -qE '"status":"(yellow|green)"'
}

start() {
	if running_pid >/dev/null && healthy; then
		log "already running"
		echo "$URL"
		return 0
	fi
	if ! running_pid >/dev/null && curl -sS --max-time 2 -o /dev/null "$URL" 2>/dev/null; then
		die "port $PORT already answers but not with a node of this script; set ELASTICSEARCH_PORT"
	fi
	JDK=$(find_jdk)
	ensure_user
	install_node
	mkdir -p "$STATE/data" "$STATE/logs" "$STATE/tmp"
	if [[ $(id -u) -eq 0 ]]; then
		chown -R "$RUN_USER" "$STATE"
	fi
	if ! running_pid >/dev/null; then
		log "starting Elasticsearch $VERSION on $URL (java $JDK, heap $HEAP, user $RUN_USER)"
		rm -f "$PIDFILE"
		# ES_JAVA_OPTS sets the node's heap; without it Elasticsearch sizes
		# the heap from the machine's memory (half of it) and pre-touches it.
		as_user env ES_JAVA_HOME="$JDK" ES_TMPDIR="$STATE/tmp" \
			ES_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP ${ELASTICSEARCH_EXTRA_JAVA_OPTS:-}" \
			"$HOME_DIR/bin/elasticsearch" -d -p "$PIDFILE" \
			-Ecluster.name=dmarc-agent-dev -Enode.name=es-dev-$PORT \
			-Enetwork.host=127.0.0.1 -Ehttp.port="$PORT" -Etransport.port="$((PORT + 100))" \
			-Ediscovery.type=single-node \
			-Expack.security.enabled=false \
			-Epath.data="$STATE/data" -Epath.logs="$STATE/logs" \
			-Ecluster.routing.allocation.disk.threshold_enabled=false \
			-Eaction.auto_create_index=true \
			</dev/null >"$STATE/logs/launch.out" 2>&1 ||
			{ cat "$STATE/logs/launch.out" >&2; die "Elasticsearch did not launch"; }
	fi
	local began=$SECONDS
	until healthy; do
		if ! running_pid >/dev/null && { [[ -s $PIDFILE ]] || ((SECONDS - began > 60)); }; then
			tail -n 40 "$STATE/logs/dmarc-agent-dev.log" >&2 2>/dev/null || cat "$STATE/logs/launch.out" >&2
			die "Elasticsearch exited during start-up"
		fi
		((SECONDS - began < TIMEOUT)) || { tail -n 40 "$STATE/logs/dmarc-agent-dev.log" >&2 || true; die "not healthy after ${TIMEOUT}s"; }
		sleep 1
	done
	log "healthy after $((SECONDS - began))s"
	echo "$URL"
}

stop() {
	local pid i
	if ! pid=$(running_pid); then
		log "not running"
		return 0
	fi
	kill "$pid"
	for ((i = 0; i < 60; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 1
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "still running after 60s; killing"
		kill -9 "$pid"
	fi
	rm -f "$PIDFILE"
	log "stopped"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
url) echo "$URL" ;;
status)
	if running_pid >/dev/null && healthy; then echo "running $URL"; else
		echo "stopped"
		exit 3
	fi
	;;
reset)
	stop
	rm -rf "$STATE"
	log "removed $STATE"
	;;
*)
	echo "usage: $0 start|stop|url|status|reset" >&2
	exit 2
	;;
esac
