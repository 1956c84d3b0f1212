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

ENGINE=opensearch TITLE=OpenSearch VAR=OPENSEARCH
DEFAULT_VERSION=3.6.0 DEFAULT_PORT=9200
JDK_PREFERRED=("${OPENSEARCH_JAVA_HOME:-}" "${JAVA_HOME:-}")
JDK_MISSING="no Java 21+ JDK found; set OPENSEARCH_JAVA_HOME"
MVN_LOG_VERSIONED=0
PIDFILE_GRACE=
PLUGINS=${OPENSEARCH_PLUGINS:-auto}

# shellcheck source=scripts/lib/devnode.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/devnode.sh"
devnode_setup

jdk_fits() { # JDK dir $1 is Java 21+
	[[ -n $1 && -x $1/bin/java ]] && (($(java_major "$1") >= 21))
}

install_plugins() { # into the unpacked distribution $1
	[[ $PLUGINS == auto ]] || return 0
	local js im
	js=$(fetch "org.opensearch.plugin:opensearch-job-scheduler:$VERSION.0:zip")
	im=$(fetch "org.opensearch.plugin:opensearch-index-management:$VERSION.0:zip")
	if [[ -n $js && -n $im ]]; then
		log "installing job-scheduler and index-management $VERSION.0"
		OPENSEARCH_JAVA_HOME=$JDK "$1/bin/opensearch-plugin" install --batch "file://$js" >&2
		OPENSEARCH_JAVA_HOME=$JDK "$1/bin/opensearch-plugin" install --batch "file://$im" >&2
	else
		log "index-management $VERSION.0 is not on Maven Central: the node runs without ISM (retention policies are skipped)"
	fi
}

launch_node() {
	as_user env OPENSEARCH_JAVA_HOME="$JDK" OPENSEARCH_TMPDIR="$STATE/tmp" \
		OPENSEARCH_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP ${OPENSEARCH_EXTRA_JAVA_OPTS:-}" \
		"$HOME_DIR/bin/opensearch" -d -p "$PIDFILE" \
		-Ecluster.name=dmarc-agent-dev -Enode.name=dev-"$PORT" \
		-Enetwork.host=127.0.0.1 -Ehttp.port="$PORT" -Etransport.port="$((PORT + 100))" \
		-Ediscovery.type=single-node \
		-Epath.data="$STATE/data" -Epath.logs="$STATE/logs" \
		-Ecluster.routing.allocation.disk.threshold_enabled=false \
		-Eaction.auto_create_index=true
}

devnode_main "$@"
