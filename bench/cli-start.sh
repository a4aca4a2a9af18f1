#!/usr/bin/env bash
# The CLI's start for a remote command, before and after a change: `updraft product list` against
# a local server, run alternately from two jars, and the "CLI start" block of BENCHMARKS.md
# rewritten with the medians and the after/before ratio.
#
#   bench/cli-start.sh BEFORE.jar AFTER.jar [RUNS]     # RUNS per jar, 15 by default
#
# Each jar is copied to its own directory with its own class-data-sharing archive, made by two
# warm-up runs as bin/updraft makes it (-XX:+AutoCreateSharedArchive), so both start as they do
# for a user. Measured per run: wall time, and CPU time (user + sys), which a loaded machine
# disturbs less. The server (from AFTER.jar) listens on a free loopback port with a temporary data
# directory; every run and the server are bounded and stopped at the end. Not a timed test: it
# only reports.
set -euo pipefail
root="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ $# -ge 2 ] || { sed -n '2,7p' "$0" >&2; exit 2; }
before="$(realpath "$1")"; after="$(realpath "$2")"; runs="${3:-15}"
java="$("$root/bin/jdk")/bin/java"
work="$(mktemp -d "${TMPDIR:-/tmp}/updraft-cli-start.XXXXXX")"
server_pid=""
cleanup() { [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

mkdir -p "$work/before" "$work/after" "$work/data"
cp "$before" "$work/before/updraft.jar"; cp "$after" "$work/after/updraft.jar"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$java" -XX:+UseSerialGC -Xmx128m -jar "$work/after/updraft.jar" server --host 127.0.0.1 --port "$port" \
  --data-dir "$work/data" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do [ -s "$work/data/bootstrap-token" ] && break; sleep 0.5; done
[ -s "$work/data/bootstrap-token" ] || { echo "cli-start: the server did not start; its log:" >&2; cat "$work/server.log" >&2; exit 1; }
export UPDRAFT_TOKEN; UPDRAFT_TOKEN="$(cat "$work/data/bootstrap-token")"
cmd=(product list --server "http://127.0.0.1:$port")

one() { # $1 before|after; prints "wall_ms cpu_ms"
  /usr/bin/time -o "$work/time" -f '%e %U %S' timeout 60 "$java" -XX:+AutoCreateSharedArchive \
      "-XX:SharedArchiveFile=$work/$1/updraft-cli.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off \
      -jar "$work/$1/updraft.jar" "${cmd[@]}" >/dev/null 2>"$work/$1.err" \
    || { echo "cli-start: $1 failed:" >&2; cat "$work/$1.err" >&2; exit 1; }
  awk '{printf "%d %d\n", $1 * 1000, ($2 + $3) * 1000}' "$work/time"
}
for v in before after; do one $v >/dev/null; one $v >/dev/null; done   # the archives
: >"$work/before.tsv"; : >"$work/after.tsv"
for _ in $(seq 1 "$runs"); do
  one before >>"$work/before.tsv"
  one after >>"$work/after.tsv"
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
bw=$(cut -d' ' -f1 "$work/before.tsv" | median); bc=$(cut -d' ' -f2 "$work/before.tsv" | median)
aw=$(cut -d' ' -f1 "$work/after.tsv" | median); ac=$(cut -d' ' -f2 "$work/after.tsv" | median)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
load="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"

block="$work/block.md"
{
  echo "<!-- cli-start:begin -->"
  echo "Measured $(date -u +%Y-%m-%d) by \`bench/cli-start.sh BEFORE.jar AFTER.jar $runs\`: \`updraft ${cmd[*]/http:*/URL}\` against a"
  echo "local server, $runs runs per jar alternately, medians; $(nproc) cores, load average $load."
  echo
  echo "| | wall ms | CPU ms (user + sys) |"
  echo "|---|---|---|"
  echo "| before | $bw | $bc |"
  echo "| after | $aw | $ac |"
  echo "| after / before | $(ratio "$aw" "$bw") | $(ratio "$ac" "$bc") |"
  echo "<!-- cli-start:end -->"
} >"$block"
md="$root/BENCHMARKS.md"
if grep -q '<!-- cli-start:begin -->' "$md"; then
  awk -v f="$block" '/<!-- cli-start:begin -->/ {while ((getline l < f) > 0) print l; skip=1; next}
                     /<!-- cli-start:end -->/ {skip=0; next} !skip' "$md" >"$work/md" && cat "$work/md" >"$md"
else
  { echo; echo "## CLI start (a remote command)"; echo; cat "$block"; } >>"$md"
fi
cat "$block"
