#!/usr/bin/env python3
"""Renders docs/benchmarks.md from the results bench.sh collected.

Usage: bench_report.py RESULTS.jsonl  (the rest comes from bench.sh's
environment: corpus folders, sizes, versions, notes). Writes Markdown on
standard output.
"""
import datetime
import json
import os
import platform
import statistics
import sys

lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
meta = next((l["meta"] for l in lines if l["name"] == "meta"), {})
results = [l for l in lines if l["name"] != "meta"]


def env(k):
    return meta.get(k) or os.environ.get(k)


def runs(name):
    return [r for r in results if r["name"] == name]


def med(name, key):
    v = [r[key] for r in runs(name) if key in r]
    return statistics.median(v) if v else None


def manifest(var):
    if meta.get(var + "_MANIFEST"):
        return meta[var + "_MANIFEST"]
    d = env(var) or ""
    try:
        return json.load(open(d + ".json")) if d else None
    except OSError:
        return None


def rate(name, key="docs"):
    """median of per-run rates (docs per wall second)"""
    v = [r[key] / r["wall"] for r in runs(name) if r.get("wall")]
    return statistics.median(v) if v else None


def cpu_rate(name):
    v = [r["docs"] / r["cpu"] for r in runs(name) if r.get("cpu")]
    return statistics.median(v) if v else None


def pairs(a, b, f):
    """f(run of a, run of b) for every round that has both, in round order:
    the ratios of interleaved pairs."""
    bs = {r["run"]: r for r in runs(b)}
    return [f(r, bs[r["run"]]) for r in runs(a) if r["run"] in bs and f(r, bs[r["run"]]) is not None]


def wall_rate(r):
    return r["docs"] / r["wall"] if r.get("wall") and r.get("docs") else None


def cpu_ratio(r, s):
    """r's CPU time over s's"""
    return r["cpu"] / s["cpu"] if s.get("cpu") else None


def rate_ratio(r, s):
    """r's records per wall second over s's"""
    a, b = wall_rate(r), wall_rate(s)
    return a / b if a and b else None


def pmed(v):
    return statistics.median(v) if v else None


def plist(v, digits=2):
    return ", ".join(f"{x:.{digits}f}" for x in v)


def us_per_record(name, records=None):
    """median CPU µs per record; records: the corpus's records, for runs
    that do not count them (the decompress-only floor)"""
    v = [r["cpu"] / (records or r["docs"]) * 1e6 for r in runs(name) if records or r.get("docs")]
    return pmed(v)


def fmt(x, unit="", digits=0):
    if x is None:
        return "—"
    return f"{x:,.{digits}f}{unit}"


def mb(kb):
    return None if kb is None else kb / 1024


def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def mem_total():
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal"):
            return int(line.split()[1]) / 1024 / 1024
    return 0


def loads():
    v = [r["load"] for r in results if "load" in r]
    return (min(v), statistics.median(v), max(v)) if v else (0, 0, 0)


mix, peer, e2e, arch, huge = (manifest(v) for v in ("MIX", "PEER", "E2E", "ARCHIVE", "HUGE"))
out = []
w = out.append

lo, md, hi = loads()
w("# Benchmarks\n")
w(f"Written by `make bench` (`scripts/bench.sh`) on {env('DATE') or datetime.date.today().isoformat()}, commit {env('COMMIT')}. "
  "Do not edit by hand: run `make bench` again. Every timed figure is the median of "
  f"{env('RUNS')} runs, and every ratio the median of the ratios of as many pairs of runs made one after the other "
  "(the ratio of each pair in brackets); the raw runs, each with its load, are in `benchmarks.jsonl` beside this file "
  "and in the table of runs below.\n")
w("## Machine\n")
w("| | |\n|---|---|")
w(f"| CPU | {cpu_model()}, {os.cpu_count()} cores |")
w(f"| memory | {mem_total():.1f} GiB |")
w(f"| OS | {platform.system()} {platform.release()} |")
w(f"| Go | {env('GO_VERSION')} |")
w(f"| OpenSearch | {env('E2E_NOTE') or 'not measured'} |")
w(f"| peer | {env('PEER_NOTE') or 'not measured'} |")
w(f"| load average (1 min) during the runs | min {lo:.2f}, median {md:.2f}, max {hi:.2f} |")
w("")
w("The machine is shared: a load above the core count means other work took CPU "
  "time from these runs, and wall-clock figures are then lower than on an idle machine. "
  "Records per CPU-second (user + system time of the process) are less sensitive to that.\n")

w("## Corpus\n")
w("Synthetic, from `go run ./tools/corpus -seed " + (env("SEED") or "1") + "` (same seed, same bytes): "
  "reports as Google, Microsoft (Enterprise Outlook, Outlook.com), Yahoo, Mail.Ru, docomo and a long tail of "
  "small receivers send them, with their layouts, record counts (log-normal, from 1 to tens of thousands), "
  "IPv4 and IPv6 sources of the domain's own providers, ESPs, forwarders and spoofers, and the forms "
  "they arrive in (gzip, zip, plain XML, and about a fifth as the whole mail message).\n")
w("| corpus | files | records | on disk | XML | largest report | forms |")
w("|---|---:|---:|---:|---:|---:|---|")
for label, m in (("mixed (" + str(env("CORPUS_SIZE")) + ")", mix), (f"first {env('PEER_FILES')} files (peer)", peer),
                 (f"first {env('E2E_FILES')} files (OpenSearch)", e2e), ("archive (" + str(env("ARCHIVE_SIZE")) + ")", arch),
                 ("one large report", huge)):
    if not m:
        continue
    forms = ", ".join(f"{k} {v}" for k, v in sorted(m["files_by_form"].items()))
    w(f"| {label} | {m['files']:,} | {m['records']:,} | {m['bytes']/2**20:,.1f} MiB | {m['xml_bytes']/2**20:,.1f} MiB "
      f"| {m['largest_report_records']:,} | {forms} |")
w("")

# ---- figures
w("## Results\n")
w("| figure | value | target | |")
w("|---|---:|---:|---|")


def status(ok):
    return "" if ok is None else ("met" if ok else "**missed**")


one, allc = rate("discard-1core"), rate("discard-all")
if mix:
    for label, name in (("1 core", "discard-1core"), (f"all {os.cpu_count()} cores", "discard-all")):
        r = rate(name)
        wall = med(name, "wall")
        w(f"| parse + normalise + enrich + encode, no output, {label} | {fmt(r)} records/s, "
          f"{fmt(mix['bytes']/2**20/wall if wall else None, ' MB/s', 1)} on disk "
          f"({fmt(mix['xml_bytes']/2**20/wall if wall else None, ' MB/s', 0)} of XML); {fmt(cpu_rate(name))} records/CPU-s | | |")

fl = runs("floor-tokenize")
if fl and runs("discard-1core"):
    w(f"| floor, 1 core: decompress only (`tools/floor -mode decompress`, the agent's gzip/zip/MIME decoder) | "
      f"{fmt(us_per_record('floor-decompress', mix and mix['records']), ' µs', 2)} CPU per record | | |")
    w(f"| floor, 1 core: decompress + minimal tag tokenizer (`tools/floor -mode tokenize`) | "
      f"{fmt(us_per_record('floor-tokenize'), ' µs', 2)} CPU per record | | |")
    w(f"| dmarc-agent, no output, 1 core | {fmt(us_per_record('discard-1core'), ' µs', 2)} CPU per record | | |")
    v = pairs("discard-1core", "floor-tokenize", cpu_ratio)
    m = pmed(v)
    w(f"| **1 core, as a multiple of the decompress + tokenize floor** (CPU-s, the mix) | **{fmt(m, '×', 2)}** ({plist(v)}) | ≤ 3× | {status(m and m <= 3)} |")
    v = pairs("discard-1core", "floor-decompress", cpu_ratio)
    w(f"| 1 core, as a multiple of the decompress-only floor | {fmt(pmed(v), '×', 2)} ({plist(v)}) | | |")
v = pairs("out-all", "discard-all", rate_ratio)
if v:
    m = pmed(v)
    w(f"| `ingest --out --no-report` (NDJSON files), all {os.cpu_count()} cores | {fmt(rate('out-all'))} records/s | | |")
    w(f"| **`ingest --out --no-report` throughput / `ingest --discard`, all cores** | **{fmt(m, '', 2)}** ({plist(v)}) | ≥ 0.8 | {status(m and m >= 0.8)} |")

pm = rate("parsedmarc")
if pm:
    pm_cpu = cpu_rate("parsedmarc")
    ours1, oursall = rate("peer-ours-1core"), rate("peer-ours-all")
    pma = rate("parsedmarc-all")
    w(f"| parsedmarc, offline, on the first {env('PEER_FILES')} files, 1 process | {fmt(pm)} records/s ({fmt(pm_cpu)} records/CPU-s) | | |")
    w(f"| parsedmarc, the same, {os.cpu_count()} processes | {fmt(pma)} records/s | | |")
    w(f"| dmarc-agent on the same files, 1 core (process wall time, start-up included) | {fmt(ours1)} records/s | | |")
    w(f"| dmarc-agent on the same files, all cores | {fmt(oursall)} records/s | | |")
    v1 = pairs("peer-ours-1core", "parsedmarc", rate_ratio)
    r1 = pmed(v1)
    vc = pairs("parsedmarc", "peer-ours-1core", cpu_ratio)  # records are the same: CPU-s ratio
    rc = pmed(vc)
    va = pairs("peer-ours-all", "parsedmarc", rate_ratio)
    ra = pmed(va)
    w(f"| **ratio to parsedmarc, 1 core vs its 1 process** | **{fmt(r1, '×', 1)}** ({plist(v1, 1)}) | ≥ 70× | {status(r1 and r1 >= 70)} |")
    w(f"| ratio to parsedmarc, per CPU-second | {fmt(rc, '×', 1)} ({plist(vc, 1)}) | | |")
    w(f"| **ratio to parsedmarc, all cores vs its 1 process** (each as it runs by default: parsedmarc's `n_procs` is 1) | **{fmt(ra, '×', 1)}** ({plist(va, 1)}) | ≥ 70× | {status(ra and ra >= 70)} |")
    vaa = pairs("peer-ours-all", "parsedmarc-all", rate_ratio)
    raa = pmed(vaa)
    w(f"| ratio to parsedmarc, all cores vs its {os.cpu_count()} processes | {fmt(raa, '×', 1)} ({plist(vaa, 1)}) | ≥ 70× | {status(raa and raa >= 70)} |")
    if one and pm:
        w(f"| ratio, 1 core on the whole mixed corpus vs parsedmarc | {fmt(one / pm, '×', 1)} | | |")

ag, bk = rate("e2e-agent"), rate("e2e-bulk")
if ag and bk:
    vb = pairs("e2e-agent", "e2e-bulk", rate_ratio)
    r = pmed(vb)
    nd = int(env("NDJSON_BYTES") or 0)
    w(f"| end to end into OpenSearch, `ingest --opensearch` | {fmt(ag)} docs/s | | |")
    w(f"| plain `_bulk` of the same NDJSON ({nd/2**20:,.0f} MiB), curl, {env('BATCH_DOCS')} docs a request, {env('OS_WORKERS')} at a time | {fmt(bk)} docs/s | | |")
    w(f"| **ratio to the `_bulk` ceiling** | **{r:.2f}** ({plist(vb)}) | ≥ 0.9 | {status(r >= 0.9)} |")
    idx = [x.get("indexed") for x in runs("e2e-agent")]
    w(f"| documents in the index after each agent run | {', '.join(str(i) for i in idx)} (expected {e2e['records'] if e2e else '?'}) | | |")

a = runs("archive-all")
if a and arch:
    a = a[0]
    w(f"| peak RSS, {env('ARCHIVE_SIZE')} archive ({arch['files']:,} files, {arch['records']:,} records), no output | "
      f"{fmt(mb(a['rss_kb']), ' MiB', 0)} | | |")
    w(f"| throughput on that archive, all cores | {fmt(a['docs']/a['wall'])} records/s, {arch['bytes']/2**20/a['wall']:,.1f} MB/s on disk, {a['wall']:,.0f} s | | |")
h = med("huge-discard", "rss_kb")
if h is not None and huge:
    w(f"| peak RSS, one report of {huge['records']:,} records ({huge['xml_bytes']/2**20:,.0f} MiB of XML), no output | "
      f"**{fmt(mb(h), ' MiB', 0)}** | ≤ 100 MiB | {status(mb(h) <= 100)} |")
    w(f"| time for that report, no output | {fmt(med('huge-discard', 'wall'), ' s', 1)} ({fmt(rate('huge-discard'))} records/s) | | |")
if huge and runs("huge-floor-tokenize") and runs("huge-1core"):
    w(f"| that report, 1 core: floor decompress only / decompress + tokenize / dmarc-agent | "
      f"{fmt(us_per_record('huge-floor-decompress', huge['records']), ' µs', 2)} / {fmt(us_per_record('huge-floor-tokenize'), ' µs', 2)} / "
      f"{fmt(us_per_record('huge-1core'), ' µs', 2)} CPU per record | | |")
    v = pairs("huge-1core", "huge-floor-tokenize", cpu_ratio)
    m = pmed(v)
    w(f"| **that report, 1 core, as a multiple of the decompress + tokenize floor** | **{fmt(m, '×', 2)}** ({plist(v)}) | ≤ 4× | {status(m and m <= 4)} |")
ho = runs("huge-opensearch")
if ho:
    ho = ho[0]
    w(f"| peak RSS, the same report into OpenSearch | **{fmt(mb(ho['rss_kb']), ' MiB', 0)}** | < 200 MiB | {status(mb(ho['rss_kb']) < 200)} |")
    w(f"| time for that report into OpenSearch | {ho['wall']:,.0f} s ({ho['docs']/ho['wall']:,.0f} docs/s) | | |")
idle = runs("idle")
if idle:
    i = idle[0]
    w(f"| RSS of the idle daemon after 10 s (`run`, watched empty folder, no Gmail) | **{fmt(mb(i['rss_kb']), ' MiB', 1)}** "
      f"(peak {fmt(mb(i.get('hwm_kb')), ' MiB', 1)}) | < 40 MiB | {status(mb(i['rss_kb']) < 40)} |")
ib = runs("idle-after-backlog")
if ib:
    i = ib[0]
    w(f"| RSS of the daemon 30 s after draining a backlog ({i['docs']:,} records in {i['wall']:,} s, NDJSON output) | **{fmt(mb(i['rss_kb']), ' MiB', 1)}** "
      f"(anonymous {fmt(mb(i.get('anon_kb')), ' MiB', 1)}, the rest the binary's pages; peak {fmt(mb(i.get('hwm_kb')), ' MiB', 1)}) | ≤ 30 MiB | {status(mb(i['rss_kb']) <= 30)} |")
if idle:
    pass
elif env("IDLE_NOTE"):
    w(f"| RSS of the idle daemon | not measured: {env('IDLE_NOTE')} | < 40 MiB | |")
w("")

# ---- raw runs
w("## Runs\n")
w("| run | wall s | CPU s | peak RSS MiB | documents | load |")
w("|---|---:|---:|---:|---:|---:|")
for r in results:
    w(f"| {r['name']} #{r['run']} | {r['wall']:.2f} | {r['cpu']:.2f} | {mb(r['rss_kb']):.0f} | {r.get('docs', '')} | {r['load']:.2f} |")
w("")

notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "benchmarks-notes.md")
if os.path.exists(notes):
    w(open(notes).read())
print("\n".join(out))
