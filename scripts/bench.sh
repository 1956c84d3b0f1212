#!/usr/bin/env bash
# bench.sh — measures dmarc-agent on this machine, in one run, and writes
# docs/benchmarks.md (`make bench`).
#
#   1. throughput of decode + parse + normalise + enrich + encode with no
#      output (ingest --discard, reverse DNS offline), one core and all cores,
#      on a seeded synthetic corpus (tools/corpus); on the same files in the
#      same runs, the floor (tools/floor, one core: decompress only, and
#      decompress + a minimal tag tokenizer) and `ingest --out --no-report`
#      (NDJSON files) on all cores;
#   2. parsedmarc (PyPI, installed into a throw-away venv) in its offline mode
#      on the first BENCH_PEER_FILES files of the same corpus, and our time on
#      exactly those files: the ratio;
#   3. end to end into a real OpenSearch node (scripts/opensearch-dev.sh, on
#      OPENSEARCH_PORT) through `ingest --opensearch`, against a plain _bulk of
#      the same NDJSON with the same batch size and concurrency (curl): the ratio;
#   4. peak RSS for an archive of BENCH_ARCHIVE_SIZE, for one report of
#      BENCH_HUGE_RECORDS records (with its floor and a one-core run), and
#      for the idle daemon (`run`, watched empty folder, no Gmail) after 10 s.
#
# Each timed figure is the median of BENCH_RUNS runs; each ratio is the
# median of the ratios of BENCH_RUNS pairs run one after the other
# (interleaved), each run with the load it met. parsedmarc on all cores
# runs in the first 3 rounds only (it is the slowest part). Corpora and the venv are
# cached under BENCH_CACHE: the first run generates them (about 4 min for the
# 1 GB archive), later runs reuse them. Before each timed section the script
# waits up to BENCH_LOAD_WAIT s for the 1-minute load average to fall below
# BENCH_MAX_LOAD (the machine may be shared), and records the load of each run.
#
# Environment (all optional):
#   BENCH_SEED=1                corpus seed (same seed, same bytes)
#   BENCH_CORPUS_SIZE=64MB      mixed corpus for the throughput runs (size on disk)
#   BENCH_PEER_FILES=1000       files of that corpus given to parsedmarc (and to us, for the ratio)
#   BENCH_E2E_FILES=3000        files of that corpus sent to OpenSearch
#   BENCH_ARCHIVE_SIZE=1GB      archive for the peak-RSS run ("0" skips it)
#   BENCH_HUGE_RECORDS=1000000  records of the single large report ("0" skips it)
#   BENCH_RUNS=5                runs per timed figure and pairs per ratio (median)
#   BENCH_SKIP=""               comma-separated: peer, e2e, archive, huge, idle
#   BENCH_MAX_LOAD=3 BENCH_LOAD_WAIT=600
#   BENCH_CACHE=${XDG_CACHE_HOME:-~/.cache}/dmarc-agent/bench
#   BENCH_OUT=docs/benchmarks.md
#   OPENSEARCH_PORT=9260        the node this script starts (and stops)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SEED=${BENCH_SEED:-1}
CORPUS_SIZE=${BENCH_CORPUS_SIZE:-64MB}
PEER_FILES=${BENCH_PEER_FILES:-1000}
E2E_FILES=${BENCH_E2E_FILES:-3000}
ARCHIVE_SIZE=${BENCH_ARCHIVE_SIZE:-1GB}
HUGE_RECORDS=${BENCH_HUGE_RECORDS:-1000000}
RUNS=${BENCH_RUNS:-5}
SKIP=",${BENCH_SKIP:-},"
MAX_LOAD=${BENCH_MAX_LOAD:-3}
LOAD_WAIT=${BENCH_LOAD_WAIT:-600}
CACHE=${BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dmarc-agent/bench}
OUT=${BENCH_OUT:-$ROOT/docs/benchmarks.md}
export OPENSEARCH_PORT=${OPENSEARCH_PORT:-9260}
OS_URL="http://127.0.0.1:$OPENSEARCH_PORT"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/dmarc-bench.XXXXXX")
RESULTS=$WORK/results.jsonl
BIN=$WORK/dmarc-agent
OS_STARTED=0
DAEMON_PID=""

log() { echo "bench: $*" >&2; }
skip() { [[ $SKIP == *",$1,"* ]]; }
cleanup() {
	if [[ -n $DAEMON_PID ]]; then kill "$DAEMON_PID" 2>/dev/null || true; fi
	if ((OS_STARTED)); then "$ROOT/scripts/opensearch-dev.sh" stop >&2 || true; fi
	rm -rf "$WORK"
}
trap cleanup EXIT

# ---- build -------------------------------------------------------------------
cd "$ROOT"
log "building"
CGO_ENABLED=0 go build -trimpath -o "$BIN" ./cmd/dmarc-agent
go build -o "$WORK/corpus" ./tools/corpus
CGO_ENABLED=0 go build -trimpath -o "$WORK/floor" ./tools/floor

# ---- corpora (cached) ---------------------------------------------------------
mkdir -p "$CACHE"
# corpus NAME ARGS...: generates $CACHE/NAME once; prints its directory.
corpus() {
	local name=$1 dir=$CACHE/$1
	shift
	if [[ ! -s $dir.json ]]; then
		log "generating corpus $name"
		rm -rf "$dir"
		"$WORK/corpus" -seed "$SEED" -out "$dir" "$@" >"$dir.json.tmp"
		mv "$dir.json.tmp" "$dir.json"
	fi
	echo "$dir"
}
MIX=$(corpus "mix-$SEED-$CORPUS_SIZE" -size "$CORPUS_SIZE")
PEER=$(corpus "files-$SEED-$PEER_FILES" -files "$PEER_FILES") # = the first files of MIX
E2E=$(corpus "files-$SEED-$E2E_FILES" -files "$E2E_FILES")
ARCHIVE="" HUGE=""
if [[ $ARCHIVE_SIZE != 0 ]] && ! skip archive; then ARCHIVE=$(corpus "mix-$SEED-$ARCHIVE_SIZE" -size "$ARCHIVE_SIZE"); fi
if [[ $HUGE_RECORDS != 0 ]] && ! skip huge; then HUGE=$(corpus "huge-$SEED-$HUGE_RECORDS" -huge "$HUGE_RECORDS"); fi

# ---- load --------------------------------------------------------------------
load1() { cut -d' ' -f1 /proc/loadavg; }
# settle waits (up to LOAD_WAIT s) for the load to fall below MAX_LOAD before
# a timed section; every result records the load it was measured at.
settle() {
	local waited=0
	while awk -v l="$(load1)" -v m="$MAX_LOAD" 'BEGIN{exit !(l >= m)}' && ((waited < LOAD_WAIT)); do
		((waited == 0)) && log "load $(load1) >= $MAX_LOAD: waiting up to ${LOAD_WAIT}s"
		sleep 15
		waited=$((waited + 15))
	done
	log "$1 at load $(load1)"
}

# ---- helpers -----------------------------------------------------------------
export DMARC_AGENT_ENRICH__DNS__OFFLINE=true
# record NAME RUN TIMEFILE [key=value...]: appends one result line.
record() {
	local name=$1 run=$2 tf=$3
	shift 3
	python3 - "$name" "$run" "$tf" "$(load1)" "$@" >>"$RESULTS" <<'EOF'
import json, sys
name, run, tf, load = sys.argv[1:5]
wall, user, sys_, rss = open(tf).read().split()[-4:]
r = {"name": name, "run": int(run), "wall": float(wall), "cpu": float(user) + float(sys_), "rss_kb": int(rss), "load": float(load)}
for kv in sys.argv[5:]:
    k, v = kv.split("=", 1)
    r[k] = json.loads(v)
print(json.dumps(r))
EOF
}
# timed NAME RUN ENV... -- CMD...: runs CMD under /usr/bin/time; stdout to $WORK/out.json.
timed() {
	local name=$1 run=$2
	shift 2
	local envs=()
	while [[ $1 != -- ]]; do envs+=("$1"); shift; done
	shift
	local rc=0
	env "${envs[@]}" /usr/bin/time -f "%e %U %S %M" -o "$WORK/time" "$@" >"$WORK/out.json" 2>"$WORK/err" || rc=$?
	if ((rc != 0 && rc != 3)); then
		log "$name failed ($rc):"
		tail -5 "$WORK/err" >&2
		return 1
	fi
	local docs
	docs=$(jq -r '.documents // 0' "$WORK/out.json" 2>/dev/null || echo 0)
	record "$name" "$run" "$WORK/time" "docs=$docs"
}

# ---- 1. throughput, no output; the floor; file output ------------------------------
# floor PREFIX RUN DIR: the two floors of DIR, one core.
floor() {
	timed "$1-decompress" "$2" GOMAXPROCS=1 -- "$WORK/floor" -mode decompress "$3"
	timed "$1-tokenize" "$2" GOMAXPROCS=1 -- "$WORK/floor" -mode tokenize "$3"
}
settle "throughput"
for run in $(seq "$RUNS"); do
	log "throughput run $run/$RUNS"
	floor floor "$run" "$MIX"
	timed discard-1core "$run" GOMAXPROCS=1 DMARC_AGENT_PIPELINE__WORKERS=1 -- "$BIN" ingest --discard --summary json "$MIX"
	timed discard-all "$run" -- "$BIN" ingest --discard --summary json "$MIX"
	rm -rf "$WORK/out"
	# --no-report: the owner's report.html (written after the run) is not file output
	timed out-all "$run" -- "$BIN" ingest --out "$WORK/out" --no-report --summary json "$MIX"
	rm -rf "$WORK/out"
done

# ---- 2. parsedmarc ---------------------------------------------------------------
PEER_NOTE=""
if ! skip peer; then
	VENV=$CACHE/venv-parsedmarc
	if [[ ! -x $VENV/bin/parsedmarc ]]; then
		log "installing parsedmarc into $VENV"
		rm -rf "$VENV"
		if ! { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q parsedmarc; } >"$WORK/pip.log" 2>&1; then
			PEER_NOTE="parsedmarc could not be installed: $(tail -1 "$WORK/pip.log")"
			rm -rf "$VENV"
		fi
	fi
	if [[ -z $PEER_NOTE ]]; then
		cat >"$WORK/peer.py" <<'EOF'
# Times parsedmarc.parse_report_file(path, offline=True) on every file of a
# folder (interpreter start-up and imports not counted), in this process or,
# with a second argument N, in N worker processes (as its n_procs does).
import json, logging, multiprocessing, os, resource, sys, time
logging.disable(logging.CRITICAL)
import parsedmarc

def parse(p):
    try:
        r = parsedmarc.parse_report_file(p, offline=True)
    except Exception:
        return -1
    return len(r["report"]["records"]) if r.get("report_type") == "aggregate" else 0

root, procs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1
paths = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs)
t0 = time.perf_counter()
if procs == 1:
    c0 = time.process_time()
    counts = [parse(p) for p in paths]
    cpu = time.process_time() - c0
else:
    with multiprocessing.Pool(procs) as pool:
        counts = pool.map(parse, paths, chunksize=4)
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = ru.ru_utime + ru.ru_stime
wall = time.perf_counter() - t0
print(json.dumps({"docs": sum(c for c in counts if c > 0), "failed": counts.count(-1), "wall": wall, "cpu": cpu}))
EOF
		settle "parsedmarc"
		for run in $(seq "$RUNS"); do
			log "parsedmarc run $run/$RUNS"
			"$VENV/bin/python" "$WORK/peer.py" "$PEER" >"$WORK/peer.json"
			jq -c --arg load "$(load1)" --argjson run "$run" \
				'{name: "parsedmarc", run: $run, wall, cpu, rss_kb: 0, docs, failed, load: ($load|tonumber)}' "$WORK/peer.json" >>"$RESULTS"
			if ((run <= 3)); then
				"$VENV/bin/python" "$WORK/peer.py" "$PEER" "$(nproc)" >"$WORK/peer.json"
				jq -c --arg load "$(load1)" --argjson run "$run" \
					'{name: "parsedmarc-all", run: $run, wall, cpu, rss_kb: 0, docs, failed, load: ($load|tonumber)}' "$WORK/peer.json" >>"$RESULTS"
			fi
			timed peer-ours-1core "$run" GOMAXPROCS=1 DMARC_AGENT_PIPELINE__WORKERS=1 -- "$BIN" ingest --discard --summary json "$PEER"
			timed peer-ours-all "$run" -- "$BIN" ingest --discard --summary json "$PEER"
		done
		PEER_VERSION=$("$VENV/bin/pip" show parsedmarc 2>/dev/null | sed -n 's/^Version: //p')
		PEER_NOTE="parsedmarc $PEER_VERSION ($("$VENV/bin/python" --version 2>&1))"
	fi
fi

# ---- 3. end to end into OpenSearch ----------------------------------------------------
E2E_NOTE=""
if ! skip e2e; then
	if ! "$ROOT/scripts/opensearch-dev.sh" status >/dev/null 2>&1; then
		log "starting OpenSearch on $OS_URL"
		if OPENSEARCH_PLUGINS=none "$ROOT/scripts/opensearch-dev.sh" start >"$WORK/os.log" 2>&1; then
			OS_STARTED=1
		else
			E2E_NOTE="OpenSearch did not start: $(tail -1 "$WORK/os.log")"
		fi
	fi
	if [[ -z $E2E_NOTE ]]; then
		OS_VERSION=$(curl -fsS "$OS_URL" | jq -r .version.number)
		"$BIN" setup --opensearch "$OS_URL" >/dev/null 2>&1 || log "setup failed; indices get dynamic mappings"
		# The defaults of output.opensearch.batch_docs and .workers, set
		# explicitly so that the agent and the plain _bulk use the same.
		BATCH_DOCS=1000 OS_WORKERS=2
		export DMARC_AGENT_OUTPUT__OPENSEARCH__BATCH_DOCS=$BATCH_DOCS DMARC_AGENT_OUTPUT__OPENSEARCH__WORKERS=$OS_WORKERS
		wipe() {
			curl -fsS -X DELETE "$OS_URL/dmarc-*?expand_wildcards=all" >/dev/null || true
			curl -fsS -X POST "$OS_URL/_flush" >/dev/null || true
		}
		count() {
			curl -fsS -X POST "$OS_URL/dmarc-*/_refresh" >/dev/null
			curl -fsS "$OS_URL/dmarc-*/_count" | jq .count
		}
		# The same documents as NDJSON, split into bulk requests of BATCH_DOCS documents.
		"$BIN" ingest --out "$WORK/ndjson" --summary json "$E2E" >/dev/null 2>&1 || true
		mkdir -p "$WORK/chunks"
		cat "$WORK"/ndjson/*.ndjson | split -l $((2 * BATCH_DOCS)) -a 5 - "$WORK/chunks/c"
		NDJSON_BYTES=$(cat "$WORK"/ndjson/*.ndjson | wc -c)
		cat >"$WORK/bulk.sh" <<EOF
#!/usr/bin/env bash
# plain _bulk: every chunk by curl, $OS_WORKERS at a time
ls "$WORK"/chunks/c* | xargs -P $OS_WORKERS -I{} curl -fsS -o /dev/null -H 'Content-Type: application/x-ndjson' -X POST "$OS_URL/_bulk" --data-binary @{}
EOF
		settle "OpenSearch"
		for run in $(seq "$RUNS"); do
			log "OpenSearch run $run/$RUNS"
			wipe
			timed e2e-agent "$run" -- "$BIN" ingest --opensearch "$OS_URL" --summary json "$E2E"
			n=$(count)
			jq -c ".indexed = $n" <(tail -1 "$RESULTS") >"$WORK/last" && sed -i '$d' "$RESULTS" && cat "$WORK/last" >>"$RESULTS"
			wipe
			/usr/bin/time -f "%e %U %S %M" -o "$WORK/time" bash "$WORK/bulk.sh" || log "a _bulk request failed"
			n=$(count)
			record e2e-bulk "$run" "$WORK/time" "docs=$n" "indexed=$n"
		done
		if [[ -n $HUGE ]]; then
			settle "OpenSearch: the ${HUGE_RECORDS}-record report"
			wipe
			timed huge-opensearch 1 DMARC_AGENT_DECODE__MAX_REPORT_BYTES=4294967296 -- "$BIN" ingest --opensearch "$OS_URL" --summary json "$HUGE"
		fi
		wipe
		E2E_NOTE="OpenSearch $OS_VERSION, single node, heap ${OPENSEARCH_HEAP:-512m}, same machine"
	fi
	if ((OS_STARTED)); then
		"$ROOT/scripts/opensearch-dev.sh" stop >&2 || true
		OS_STARTED=0
	fi
fi

# ---- 4. peak RSS ------------------------------------------------------------------
if [[ -n $ARCHIVE ]]; then
	settle "archive $ARCHIVE_SIZE"
	timed archive-all 1 -- "$BIN" ingest --discard --summary json "$ARCHIVE"
fi
if [[ -n $HUGE ]]; then
	settle "report of $HUGE_RECORDS records"
	for run in $(seq "$RUNS"); do
		floor huge-floor "$run" "$HUGE"
		timed huge-1core "$run" GOMAXPROCS=1 DMARC_AGENT_PIPELINE__WORKERS=1 DMARC_AGENT_DECODE__MAX_REPORT_BYTES=4294967296 -- "$BIN" ingest --discard --summary json "$HUGE"
		timed huge-discard "$run" DMARC_AGENT_DECODE__MAX_REPORT_BYTES=4294967296 -- "$BIN" ingest --discard --summary json "$HUGE"
	done
fi
IDLE_NOTE=""
if ! skip idle; then
	usage=$("$BIN" 2>&1 || true)
	if grep -qE '^ +run +' <<<"$usage"; then
		mkdir -p "$WORK/drop" "$WORK/idle"
		(cd "$WORK/idle" && exec env DMARC_AGENT_SOURCES__DIR__ENABLED=true DMARC_AGENT_SOURCES__DIR__PATH="$WORK/drop" \
			DMARC_AGENT_HTTP__LISTEN=127.0.0.1:0 DMARC_AGENT_OUTPUT__FILE__DIR="$WORK/idle/out" \
			DMARC_AGENT_ARCHIVE__DIR="$WORK/idle/archive" "$BIN" run >"$WORK/idle.log" 2>&1) &
		DAEMON_PID=$!
		sleep 10
		if kill -0 "$DAEMON_PID" 2>/dev/null; then
			rss=$(awk '/^VmRSS/{print $2}' "/proc/$DAEMON_PID/status")
			hwm=$(awk '/^VmHWM/{print $2}' "/proc/$DAEMON_PID/status")
			echo "{\"name\":\"idle\",\"run\":1,\"wall\":10,\"cpu\":0,\"rss_kb\":$rss,\"hwm_kb\":$hwm,\"load\":$(load1)}" >>"$RESULTS"
			# A backlog: the peer files dropped at once; once every document
			# is written (two NDJSON lines each), 30 s of quiet, then RSS.
			want=$(jq -r .records "$PEER.json")
			cp -r "$PEER"/. "$WORK/drop/"
			began=$SECONDS
			while (($(cat "$WORK"/idle/out/*.ndjson 2>/dev/null | wc -l) < 2 * want)) && ((SECONDS - began < 600)) && kill -0 "$DAEMON_PID" 2>/dev/null; do
				sleep 1
			done
			drained=$((SECONDS - began))
			sleep 30
			if kill -0 "$DAEMON_PID" 2>/dev/null; then
				rss=$(awk '/^VmRSS/{print $2}' "/proc/$DAEMON_PID/status")
				hwm=$(awk '/^VmHWM/{print $2}' "/proc/$DAEMON_PID/status")
				anon=$(awk '/^RssAnon/{print $2}' "/proc/$DAEMON_PID/status")
				echo "{\"name\":\"idle-after-backlog\",\"run\":1,\"wall\":$drained,\"cpu\":0,\"docs\":$want,\"rss_kb\":$rss,\"hwm_kb\":$hwm,\"anon_kb\":$anon,\"load\":$(load1)}" >>"$RESULTS"
			fi
			kill "$DAEMON_PID"
			wait "$DAEMON_PID" 2>/dev/null || true
		else
			IDLE_NOTE="the daemon exited: $(tail -1 "$WORK/idle.log")"
		fi
		DAEMON_PID=""
	else
		IDLE_NOTE="this build has no run command yet"
	fi
fi

# ---- report ---------------------------------------------------------------------------
log "writing $OUT"
# The first line of the results describes the run, so that
# `python3 scripts/bench_report.py docs/benchmarks.jsonl` can render the
# document again (after editing docs/benchmarks-notes.md) without measuring.
export MIX PEER E2E ARCHIVE HUGE SEED CORPUS_SIZE PEER_FILES E2E_FILES ARCHIVE_SIZE HUGE_RECORDS RUNS
export PEER_NOTE E2E_NOTE IDLE_NOTE NDJSON_BYTES="${NDJSON_BYTES:-0}" BATCH_DOCS="${BATCH_DOCS:-1000}" OS_WORKERS="${OS_WORKERS:-2}"
export GO_VERSION="$(go version | cut -d' ' -f3-)" COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
export DATE="$(date -u +%F)"
python3 - >"$WORK/all.jsonl" <<'EOF'
import json, os
keys = "MIX PEER E2E ARCHIVE HUGE SEED CORPUS_SIZE PEER_FILES E2E_FILES ARCHIVE_SIZE HUGE_RECORDS RUNS PEER_NOTE E2E_NOTE IDLE_NOTE NDJSON_BYTES BATCH_DOCS OS_WORKERS GO_VERSION COMMIT DATE".split()
meta = {k: os.environ.get(k, "") for k in keys}
for k in ("MIX", "PEER", "E2E", "ARCHIVE", "HUGE"):  # the manifests, for rendering without the cache
    try:
        meta[k + "_MANIFEST"] = json.load(open(meta[k] + ".json")) if meta[k] else None
    except OSError:
        meta[k + "_MANIFEST"] = None
print(json.dumps({"name": "meta", "meta": meta}))
EOF
cat "$RESULTS" >>"$WORK/all.jsonl"
python3 "$ROOT/scripts/bench_report.py" "$WORK/all.jsonl" >"$OUT"
cp "$WORK/all.jsonl" "${OUT%.md}.jsonl"
log "done: $OUT"
