#!/usr/bin/env bash
# Renders the results of one bin/bench run (results.tsv, jmh.csv) as the table between the
# "results" markers of BENCHMARKS.md, with the machine it ran on. Usage: report.sh WORKDIR RESULTS.tsv IMAGE_BYTES
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work=$1 results=$2 size=$3
md="$root/BENCHMARKS.md"
get() { # bench system key -> value or "–"
  awk -F'\t' -v b="$1" -v s="$2" -v k="$3" '$1==b && $2==s {for(i=3;i<=NF;i++){split($i,kv,"="); if(kv[1]==k){print kv[2]; f=1}}} END{if(!f)print "–"}' "$results"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{if(a+0>0 && b+0>0) printf "%.2f", a/b; else print "–"}'; }
ok() { awk "BEGIN{print (($1) ? \"yes\" : \"**no**\")}"; }
num() { awk -v v="$1" 'BEGIN{if(v=="–"||v=="")print 0; else print v+0}'; }

jmh() { # benchmark-suffix [param] -> score
  [ -f "$work/jmh.csv" ] || { echo "–"; return; }
  awk -F',' -v b="$1" -v p="${2:-}" '{gsub(/"/,""); gsub(/\r/,"")} index($1,b) && (p=="" || $NF==p) {print $5; exit}' "$work/jmh.csv"
}

n_rps=$(get checkin nginx rps); h_rps=$(get checkin updraft-embedded rps); p_rps=$(get checkin updraft-pg rps)
h_p99=$(get checkin updraft-embedded p99); p_p99=$(get checkin updraft-pg p99)
n_mbs=$(get download nginx mbs); u_mbs=$(get download updraft-embedded mbs)
parse_us=$(jmh parseArduino1MB); decide_ns=$(jmh decide)
parse_gbs=$(awk -v us="$parse_us" -v n="$size" 'BEGIN{if(us+0>0) printf "%.2f", n/(us*1e-6)/1e9; else print "–"}')
slow_u=$(get slow updraft-embedded serverRssPeakKB); slow_n=$(get slow nginx serverRssPeakKB)

{
  echo "<!-- results:begin (written by bin/bench; edit outside the markers) -->"
  echo "Run: \`bin/bench\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(( $(nproc) )) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), Linux $(uname -r), $("$("$root/bin/jdk")/bin/java" -version 2>&1 | head -1), load average at the end $(cut -d' ' -f1-3 /proc/loadavg). Check-in and download runs: wrk, ${BENCH_SECONDS:-15} s measured after ${BENCH_WARM:-30} s of warm-up (nginx ${NGINX_WARM:-5} s), load generator on the same 2 cores."
  echo
  echo "| # | Benchmark | Target | Updraft | Reference (same run) | Ratio | Met |"
  echo "|---|---|---|---|---|---|---|"
  echo "| 1 | Check-in, embedded SQLite: req/s · p50/p99 ms · CPU cores · RSS MB | ≥ 10,000/s, p99 < 10 ms, ≥ 0.5× nginx | $h_rps · $(get checkin updraft-embedded p50)/$h_p99 · $(get checkin updraft-embedded cores) · $(get checkin updraft-embedded rss) (writer drained $(get checkin updraft-embedded drain) ms after; $(get checkin updraft-embedded cpuus) µs CPU per check-in) | nginx static 304: $n_rps · $(get checkin nginx p50)/$(get checkin nginx p99) · $(get checkin nginx cores) · $(get checkin nginx rss) ($(get checkin nginx cpuus) µs CPU per request) | $(ratio "$h_rps" "$n_rps") | $(ok "$(num "$h_rps") >= 10000 && $(num "$h_p99") < 10 && $(num "$h_rps") >= 0.5 * $(num "$n_rps")") |"
  echo "| 1 | Check-in, PostgreSQL: same | same | $p_rps · $(get checkin updraft-pg p50)/$p_p99 · $(get checkin updraft-pg cores) · $(get checkin updraft-pg rss) (drained $(get checkin updraft-pg drain) ms after; $(get checkin updraft-pg cpuus) µs CPU per check-in, PostgreSQL's own not counted) | nginx (above) | $(ratio "$p_rps" "$n_rps") | $(ok "$(num "$p_rps") >= 10000 && $(num "$p_p99") < 10 && $(num "$p_rps") >= 0.5 * $(num "$n_rps")") |"
  echo "| 2 | Download, 100 concurrent × 1 MB: MB/s · p99 ms · CPU · RSS MB | ≥ 0.8× nginx | $u_mbs · $(get download updraft-embedded p99) · $(get download updraft-embedded cores) · $(get download updraft-embedded rss) | nginx sendfile: $n_mbs · $(get download nginx p99) · $(get download nginx cores) · $(get download nginx rss) | $(ratio "$u_mbs" "$n_mbs") | $(ok "$(num "$u_mbs") > 0 && $(num "$u_mbs") >= 0.8 * $(num "$n_mbs")") |"
  echo "| 2 | Range-chunked download (ESP-IDF partial download, $(get range updraft-embedded-keepalive conns) connections × $(get range updraft-embedded-keepalive chunk)-byte chunks of the 1 MB image): chunks/s · MB/s · p99 ms · µs server CPU per chunk | keep-alive ≥ new connection per chunk | kept connection: $(get range updraft-embedded-keepalive rps) · $(get range updraft-embedded-keepalive mbs) · $(get range updraft-embedded-keepalive p99) · $(get range updraft-embedded-keepalive cpuus) | \`Connection: close\`, a connection per chunk: $(get range updraft-embedded-close rps) · $(get range updraft-embedded-close mbs) · $(get range updraft-embedded-close p99) · $(get range updraft-embedded-close cpuus) | $(ratio "$(get range updraft-embedded-keepalive rps)" "$(get range updraft-embedded-close rps)") | $(ok "$(num "$(get range updraft-embedded-keepalive rps)") > 0 && $(num "$(get range updraft-embedded-keepalive rps)") >= $(num "$(get range updraft-embedded-close rps)")") |"
  echo "| 2 | 1,000 slow clients at 60 KB/s for 12 s: server RSS MB before → peak · KB/s per client · errors · kernel TCP buffers MB at the peak (whole machine) | bounded memory | $(awk -v v="$(num "$(get slow updraft-embedded serverRssStartKB)")" 'BEGIN{printf "%d", v/1024}') → $(awk -v v="$(num "$slow_u")" 'BEGIN{printf "%d", v/1024}') · $(get slow updraft-embedded perClientKBs) · $(get slow updraft-embedded errors) · $(awk -v v="$(num "$(get slow updraft-embedded tcpKernelPeakKB)")" 'BEGIN{printf "%d", v/1024}') | nginx: $(awk -v v="$(num "$(get slow nginx serverRssStartKB)")" 'BEGIN{printf "%d", v/1024}') → $(awk -v v="$(num "$slow_n")" 'BEGIN{printf "%d", v/1024}') · $(get slow nginx perClientKBs) · $(get slow nginx errors) · $(awk -v v="$(num "$(get slow nginx tcpKernelPeakKB)")" 'BEGIN{printf "%d", v/1024}') | – | $(ok "$(num "$slow_u") > 0 && $(num "$slow_u") < 307200") |"
  echo "| 3 | Fleet: 10,000 emulated devices, 4-wave rollout against one server: rollout wall s · server CPU cores · server peak RSS MB | < 60 s, RSS < 300 MB | $(get fleet updraft wall) · $(get fleet updraft cores) · $(get fleet updraft rss) (every device on the new release: $(get fleet updraft complete); wake-ups: $(get fleet updraft wake); simulator JVM $(get fleet updraft total) s in all, $(get fleet updraft simrss) MB) | – | – | $(ok "$(num "$(get fleet updraft wall)") > 0 && $(num "$(get fleet updraft wall)") < 60 && $(num "$(get fleet updraft rss)") < 300 && $(num "$(get fleet updraft complete)") == 1") |"
  echo "| 4 | Startup: process start → first answered check-in, ms | < 1,500 | $(get startup updraft-embedded ms) | – | – | $(ok "$(num "$(get startup updraft-embedded ms)") > 0 && $(num "$(get startup updraft-embedded ms)") < 1500") |"
  echo "| 4 | Idle RSS MB · jar MB | < 150 | $(get startup-idle updraft-embedded rss) · $(get startup-idle updraft-embedded jar) | – | – | $(ok "$(num "$(get startup-idle updraft-embedded rss)") > 0 && $(num "$(get startup-idle updraft-embedded rss)") < 150") |"
  echo "| 5 | JMH FirmwareImage.parse, $size-byte Arduino ESP8266 image: µs/op → GB/s | ≥ 1 GB/s | $parse_us µs → $parse_gbs GB/s | – | – | $(ok "$(num "$parse_gbs") >= 1") |"
  echo "| 5 | JMH CheckIn.parse + UpdatePolicy.decide (10,000 devices, 304): ns/op | – | $decide_ns | – | – | – |"
  echo "| 5 | JMH ByteRange.parse ns/op: \`bytes=65536-\` · \`bytes=0-4095\` · \`bytes=-1024\` | – | $(jmh parse bytes=65536-) · $(jmh parse bytes=0-4095) · $(jmh parse bytes=-1024) | – | – | – |"
  dl() { echo "$(get devicelist "$1" p50)/$(get devicelist "$1" p99)"; }
  echo "| 6 | Device list page (100), PostgreSQL, 100,000 devices, 1,000,000 timeline rows: median/p99 ms — first · middle by cursor · middle sorted by last seen · product+version · failed and unseen for a day · tag sorted by version · insufficient space · free text | < 300 server time | $(dl first) · $(dl middle) · $(dl middle-lastseen) · $(dl product-version) · $(dl failed-unseen) · $(dl tag) · $(dl space) · $(dl text) | – | – | $(ok "$(num "$(get devicelist first p50)") > 0 && $(num "$(get devicelist text p50)") < 300 && $(num "$(get devicelist failed-unseen p50)") < 300") |"
  echo "<!-- results:end -->"
} >"$work/results.md"

if [ -f "$md" ] && grep -q 'results:begin' "$md" && grep -q 'results:end' "$md" && grep -q 'results:end' "$work/results.md"; then
  awk -v f="$work/results.md" '/results:begin/{while((getline l < f)>0) print l; skip=1; next} /results:end/{skip=0; next} !skip' "$md" >"$md.tmp" && mv "$md.tmp" "$md"
else
  cat "$work/results.md"
fi
cat "$work/results.md"
