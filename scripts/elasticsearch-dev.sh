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

ENGINE=elasticsearch TITLE=Elasticsearch VAR=ELASTICSEARCH
DEFAULT_VERSION=9.2.0 DEFAULT_PORT=9250
JDK_PREFERRED=("${ES_JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk* "${JAVA_HOME:-}")
MVN_LOG_VERSIONED=1
# As for OpenSearch, a missing pid file is not taken for an exit before the
# start timeout: on a loaded 2-core machine the JVM can write it after more
# than a minute (seen with OpenSearch), and a false "exited" fails CI.
PIDFILE_GRACE=

# shellcheck source=scripts/lib/devnode.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/devnode.sh"
devnode_setup
JDK_MISSING="no JDK for Elasticsearch $VERSION found (8.x: Java 17-23, 9.x: Java 21+); set ES_JAVA_HOME"

# Elasticsearch 9.x runs on Java 21 and later (the Temurin 25 JDK under
# /usr/lib/jvm first). 8.x enables the Security Manager, which Java 24
# removed, so it needs Java 17 to 23.
jdk_fits() { # JDK dir $1 suits $VERSION
	local v
	[[ -n $1 && -x $1/bin/java ]] || return 1
	v=$(java_major "$1")
	if [[ $VERSION == 8.* ]]; then ((v >= 17 && v <= 23)); else ((v >= 21)); fi
}

launch_node() {
	# ES_JAVA_OPTS sets the node's heap; without it Elasticsearch sizes
	# the heap from the machine's memory (half of it) and pre-touches it.
	as_user env ES_JAVA_HOME="$JDK" ES_TMPDIR="$STATE/tmp" \
		ES_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP ${ELASTICSEARCH_EXTRA_JAVA_OPTS:-}" \
		"$HOME_DIR/bin/elasticsearch" -d -p "$PIDFILE" \
		-Ecluster.name=dmarc-agent-dev -Enode.name=es-dev-"$PORT" \
		-Enetwork.host=127.0.0.1 -Ehttp.port="$PORT" -Etransport.port="$((PORT + 100))" \
		-Ediscovery.type=single-node \
		-Expack.security.enabled=false \
		-Epath.data="$STATE/data" -Epath.logs="$STATE/logs" \
		-Ecluster.routing.allocation.disk.threshold_enabled=false \
		-Eaction.auto_create_index=true \
		</dev/null
}

devnode_main "$@"
