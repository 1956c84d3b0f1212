# shellcheck shell=bash
# devnode.sh — the mechanism behind scripts/opensearch-dev.sh and
# scripts/elasticsearch-dev.sh, sourced by both (one copy, so a fix to the pid
# file handling, the JDK choice or the health wait reaches both engines):
# Maven Central download with mvn, an unprivileged system user as root, the
# pid file, the health wait, and the start|stop|url|status|reset commands.
#
# The sourcing script documents its environment, sets ENGINE, TITLE, VAR and
# the defaults, sources this file, runs devnode_setup (which sets VERSION, PORT,
# HEAP, CACHE, STATE, RUN_USER, TIMEOUT, URL, HOME_DIR, PIDFILE from its
# environment), sets the rest, defines the hooks, then runs `devnode_main "$@"`:
#   ENGINE         opensearch | elasticsearch: the Maven artifact, the install
#                  directory <engine>-<version>, bin/<engine>, <engine>.pid, the
#                  default user and the default state directory
#   TITLE          the engine's name in messages
#   VAR            prefix of its variables: <VAR>_VERSION, _PORT, _HEAP, _CACHE,
#                  _STATE_DIR, _USER, _START_TIMEOUT
#   DEFAULT_VERSION, DEFAULT_PORT
#   JDK_PREFERRED  JDK directories tried first, in order (an array)
#   JDK_MISSING    the message when no JDK fits
#   MVN_LOG_VERSIONED  1: mvn's log is mvn-<artifact>-<version>.log, else mvn-<artifact>.log
#   PIDFILE_GRACE  seconds after launch without a pid file that mean the node
#                  exited; empty: only the start timeout decides
# Hooks: jdk_fits DIR (this JDK suits VERSION), launch_node (run the daemon as
# RUN_USER with JDK, HEAP, STATE, PIDFILE, PORT) and optionally
# install_plugins DIR (into the unpacked distribution at DIR).

devnode_setup() {
	local v
	v=${VAR}_VERSION VERSION=${!v:-$DEFAULT_VERSION}
	v=${VAR}_PORT PORT=${!v:-$DEFAULT_PORT}
	v=${VAR}_HEAP HEAP=${!v:-512m}
	v=${VAR}_CACHE CACHE=${!v:-${XDG_CACHE_HOME:-$HOME/.cache}/dmarc-agent/$ENGINE}
	if [[ $(id -u) -eq 0 ]]; then
		v=${VAR}_STATE_DIR STATE=${!v:-/var/tmp/dmarc-agent-$ENGINE/$PORT}
		v=${VAR}_USER RUN_USER=${!v:-$ENGINE}
	else
		v=${VAR}_STATE_DIR STATE=${!v:-$CACHE/node-$PORT}
		RUN_USER=$(id -un)
	fi
	v=${VAR}_START_TIMEOUT TIMEOUT=${!v:-300}
	URL="http://127.0.0.1:$PORT"
	HOME_DIR="$STATE/$ENGINE-$VERSION"
	PIDFILE="$STATE/$ENGINE.pid"
}

log() { echo "$ENGINE-dev: $*" >&2; }
die() {
	log "$*"
	exit 1
}

mvn_log() { # the log of mvn fetching GROUP:ARTIFACT:VERSION:zip
	local artifact ver
	IFS=: read -r _ artifact ver _ <<<"$1"
	if [[ ${MVN_LOG_VERSIONED:-} == 1 ]]; then
		echo "$CACHE/dist/mvn-$artifact-$ver.log"
	else
		echo "$CACHE/dist/mvn-$artifact.log"
	fi
}

# fetch GROUP:ARTIFACT:VERSION:zip into $CACHE/dist; prints the file path, or
# nothing when Maven Central does not have it.
fetch() {
	local gav=$1 artifact ver file
	IFS=: read -r _ artifact ver _ <<<"$gav"
	file="$CACHE/dist/$artifact-$ver.zip"
	if [[ ! -s $file ]]; then
		command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"
		mkdir -p "$CACHE/dist"
		log "downloading $gav from Maven Central"
		if ! mvn -B -q dependency:copy \
			-Dartifact="$gav" -DoutputDirectory="$CACHE/dist" -Dmdep.overWriteReleases=true \
			>"$(mvn_log "$gav")" 2>&1; then
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

# find_jdk prints the first of JDK_PREFERRED that fits, or else the newest
# fitting JDK found on the machine.
find_jdk() {
	local c best="" bestv=0 v
	for c in "${JDK_PREFERRED[@]}"; do
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
	[[ -n $best ]] || die "$JDK_MISSING"
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
	[[ -x $HOME_DIR/bin/$ENGINE ]] && return 0
	local gav="org.$ENGINE.distribution.integ-test-zip:$ENGINE:$VERSION:zip" dist
	dist=$(fetch "$gav")
	[[ -n $dist ]] || die "Maven Central has no $TITLE $VERSION minimal distribution (see $(mvn_log "$gav"))"
	mkdir -p "$STATE"
	local tmp="$STATE/.unpack"
	rm -rf "$tmp"
	mkdir -p "$tmp"
	unzip -q "$dist" -d "$tmp"
	if declare -F install_plugins >/dev/null; then install_plugins "$tmp/$ENGINE-$VERSION"; fi
	mv "$tmp/$ENGINE-$VERSION" "$HOME_DIR"
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
	# Any HTTP answer counts (Elasticsearch's minimal distribution may answer
	# GET / with 405).
	if ! running_pid >/dev/null && curl -sS --max-time 2 -o /dev/null "$URL" 2>/dev/null; then
		die "port $PORT already answers but not with a node of this script; set ${VAR}_PORT"
	fi
	JDK=$(find_jdk)
	ensure_user
	install_node
	mkdir -p "$STATE/data" "$STATE/logs" "$STATE/tmp"
	if [[ $(id -u) -eq 0 ]]; then
		chown -R "$RUN_USER" "$STATE"
	fi
	if ! running_pid >/dev/null; then
		log "starting $TITLE $VERSION on $URL (java $JDK, heap $HEAP, user $RUN_USER)"
		rm -f "$PIDFILE"
		launch_node >"$STATE/logs/launch.out" 2>&1 ||
			{ cat "$STATE/logs/launch.out" >&2; die "$TITLE did not launch"; }
	fi
	local began=$SECONDS
	until healthy; do
		# The daemon writes its pid file a few seconds after launch, and more
		# than a minute later on a loaded machine: a pid file whose process is
		# gone means the node exited, and so does no pid file after
		# PIDFILE_GRACE seconds when set (otherwise TIMEOUT decides).
		if ! running_pid >/dev/null && { [[ -s $PIDFILE ]] || { [[ -n ${PIDFILE_GRACE:-} ]] && ((SECONDS - began > PIDFILE_GRACE)); }; }; then
			tail -n 40 "$STATE/logs/dmarc-agent-dev.log" >&2 2>/dev/null || cat "$STATE/logs/launch.out" >&2
			die "$TITLE exited during start-up"
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

devnode_main() {
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
}
