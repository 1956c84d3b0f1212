#!/usr/bin/env bash
# opensearch-dev.sh — a real single-node OpenSearch for development and CI,
# without Docker.
#
#   scripts/opensearch-dev.sh start    download (once), start, wait for health, print the URL last
#   scripts/opensearch-dev.sh stop     stop the node; its data stays for the next start
#   scripts/opensearch-dev.sh url      print the URL
#   scripts/opensearch-dev.sh status   print "running URL" (exit 0) or "stopped" (exit 3)
#   scripts/opensearch-dev.sh reset    stop and delete the node's data and install
#
# The OpenSearch minimal distribution (no JDK, no plugins) comes from Maven
# Central with `mvn dependency:copy`, plus the index-management plugin and its
# job-scheduler dependency when Maven Central has both for that version. The
# node runs as an unprivileged user (OpenSearch refuses root; as root the
# script creates a system user), on 127.0.0.1, single-node, security off.
#
# Environment (all optional):
#   OPENSEARCH_VERSION        default 3.6.0 (newest 3.x on Maven Central, checked 2026-11-22)
#   OPENSEARCH_PORT           HTTP port, default 9200
#   OPENSEARCH_HEAP           JVM heap, default 512m
#   OPENSEARCH_CACHE          downloads, default ${XDG_CACHE_HOME:-~/.cache}/dmarc-agent/opensearch
#   OPENSEARCH_STATE_DIR      install + data + logs of this node, default
#                             /var/tmp/dmarc-agent-opensearch/<port> as root, $OPENSEARCH_CACHE/node-<port> otherwise
#   OPENSEARCH_USER           user to run as when started by root, default opensearch
#   OPENSEARCH_JAVA_HOME      a Java 21+ JDK; otherwise JAVA_HOME or the newest 21+ JDK found
#   OPENSEARCH_EXTRA_JAVA_OPTS  appended to the JVM options
#   OPENSEARCH_START_TIMEOUT  seconds to wait for health, default 300 (about 30 s on an idle 2-core machine)
#   OPENSEARCH_PLUGINS        "auto" (default: ISM when available) or "none"
set -euo pipefail

VERSION=${OPENSEARCH_VERSION:-3.6.0}
PORT=${OPENSEARCH_PORT:-9200}
HEAP=${OPENSEARCH_HEAP:-512m}
CACHE=${OPENSEARCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dmarc-agent/opensearch}
if [[ $(id -u) -eq 0 ]]; then
	STATE=${OPENSEARCH_STATE_DIR:-/var/tmp/dmarc-agent-opensearch/$PORT}
	RUN_USER=${OPENSEARCH_USER:-opensearch}
else
	STATE=${OPENSEARCH_STATE_DIR:-$CACHE/node-$PORT}
	RUN_USER=$(id -un)
fi
TIMEOUT=${OPENSEARCH_START_TIMEOUT:-300}
PLUGINS=${OPENSEARCH_PLUGINS:-auto}
URL="http://127.0.0.1:$PORT"
HOME_DIR="$STATE/opensearch-$VERSION"
PIDFILE="$STATE/opensearch.pid"

log() { echo "opensearch-dev: $*" >&2; }
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
			>"$CACHE/dist/mvn-$artifact.log" 2>&1; then
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

find_jdk() {
	local c best="" bestv=0 v
	for c in "${OPENSEARCH_JAVA_HOME:-}" "${JAVA_HOME:-}"; do
		if [[ -n $c && -x $c/bin/java ]] && (($(java_major "$c") >= 21)); then
			echo "$c"
			return
		fi
	done
	local candidates=(/usr/lib/jvm/* /usr/local/lib/jvm/* /opt/java/* /opt/jdk* /usr/java/*)
	if command -v java >/dev/null; then candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"); fi
	for c in "${candidates[@]}"; do
		[[ -x $c/bin/java ]] || continue
		v=$(java_major "$c")
		if ((v >= 21 && v > bestv)); then best=$c bestv=$v; fi
	done
	[[ -n $best ]] || die "no Java 21+ JDK found; set OPENSEARCH_JAVA_HOME"
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
	[[ -x $HOME_DIR/bin/opensearch ]] && return 0
	local dist
	dist=$(fetch "org.opensearch.distribution.integ-test-zip:opensearch:$VERSION:zip")
	[[ -n $dist ]] || die "Maven Central has no OpenSearch $VERSION minimal distribution (see $CACHE/dist/mvn-opensearch.log)"
	mkdir -p "$STATE"
	local tmp="$STATE/.unpack"
	rm -rf "$tmp"
	mkdir -p "$tmp"
	unzip -q "$dist" -d "$tmp"
	if [[ $PLUGINS == auto ]]; then
		local js im
		js=$(fetch "org.opensearch.plugin:opensearch-job-scheduler:$VERSION.0:zip")
		im=$(fetch "org.opensearch.plugin:opensearch-index-management:$VERSION.0:zip")
		if [[ -n $js && -n $im ]]; then
			log "installing job-scheduler and index-management $VERSION.0"
			OPENSEARCH_JAVA_HOME=$JDK "$tmp/opensearch-$VERSION/bin/opensearch-plugin" install --batch "file://$js" >&2
			OPENSEARCH_JAVA_HOME=$JDK "$tmp/opensearch-$VERSION/bin/opensearch-plugin" install --batch "file://$im" >&2
		else
			log "index-management $VERSION.0 is not on Maven Central: the node runs without ISM (retention policies are skipped)"
		fi
	fi
	mv "$tmp/opensearch-$VERSION" "$HOME_DIR"
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
	if ! running_pid >/dev/null && curl -fsS --max-time 2 "$URL" >/dev/null 2>&1; then
		die "port $PORT already answers but not with a node of this script; set OPENSEARCH_PORT"
	fi
	JDK=$(find_jdk)
	ensure_user
	install_node
	mkdir -p "$STATE/data" "$STATE/logs" "$STATE/tmp"
	if [[ $(id -u) -eq 0 ]]; then
		chown -R "$RUN_USER" "$STATE"
	fi
	if ! running_pid >/dev/null; then
		log "starting OpenSearch $VERSION on $URL (java $JDK, heap $HEAP, user $RUN_USER)"
		rm -f "$PIDFILE"
		as_user env OPENSEARCH_JAVA_HOME="$JDK" OPENSEARCH_TMPDIR="$STATE/tmp" \
			OPENSEARCH_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP ${OPENSEARCH_EXTRA_JAVA_OPTS:-}" \
			"$HOME_DIR/bin/opensearch" -d -p "$PIDFILE" \
			-Ecluster.name=dmarc-agent-dev -Enode.name=dev-$PORT \
			-Enetwork.host=127.0.0.1 -Ehttp.port="$PORT" -Etransport.port="$((PORT + 100))" \
			-Ediscovery.type=single-node \
			-Epath.data="$STATE/data" -Epath.logs="$STATE/logs" \
			-Ecluster.routing.allocation.disk.threshold_enabled=false \
			-Eaction.auto_create_index=true >"$STATE/logs/launch.out" 2>&1 ||
			{ cat "$STATE/logs/launch.out" >&2; die "OpenSearch did not launch"; }
	fi
	local began=$SECONDS
	until healthy; do
		# The daemon writes its pid file a few seconds after launch, and more
		# than a minute later on a loaded machine: only a pid file whose
		# process is gone means the node exited (otherwise TIMEOUT decides).
		if ! running_pid >/dev/null && [[ -s $PIDFILE ]]; then
			tail -n 40 "$STATE/logs/dmarc-agent-dev.log" >&2 2>/dev/null || cat "$STATE/logs/launch.out" >&2
			die "OpenSearch exited during start-up"
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
