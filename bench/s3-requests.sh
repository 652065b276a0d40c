#!/usr/bin/env bash
# bench/s3-requests.sh REPO DATA_DIR  --  requests and MB/s of a first create, a nightly create, a
# restore and a prune (forget the first snapshot, repack) on REPO (a directory or s3://...; for S3
# set SNAP_S3_ENDPOINT and AWS_* as for the CLI). DATA_DIR is copied to a work directory first, and
# the nightly change is made there: 2 % of files appended to, 1 % deleted, 8 MiB of new random files.
# Prints one line per step: step, seconds, MB/s of the data it moved, and the requests object.
# SNAP_BENCH_INIT_ARGS: more init options (e.g. "--object-lock 1" on an Object-Lock bucket; there
# forget refuses the retained first snapshot, and the prune step shows what retention holds).
set -euo pipefail
REPO=$1 DATA=$2
SNAP="node $(cd "$(dirname "$0")/.." && pwd)/bin/snap.js"
W=$(mktemp -d "${TMPDIR:-/tmp}/snap-bench-s3.XXXXXX")
trap 'rm -rf "$W"' EXIT
export SNAP_REPO=$REPO SNAP_PASSWORD=bench SNAP_CACHE_DIR=$W/cache
cp -a "$DATA" "$W/src"
step() { # name, bytes for MB/s, command...
  local name=$1 bytes=$2; shift 2
  local t0=$EPOCHREALTIME
  local out; out=$("$@")
  local t1=$EPOCHREALTIME
  node -e '
    const [name, t0, t1, bytes, out] = process.argv.slice(1);
    const s = t1 - t0; let r = {};
    try { r = JSON.parse(out).requests ?? {}; } catch {}
    console.log(`${name.padEnd(14)} ${s.toFixed(1).padStart(6)} s ${(bytes / 1e6 / s).toFixed(1).padStart(7)} MB/s  ${JSON.stringify(r)}`);
  ' "$name" "$t0" "$t1" "$bytes" "$out"
}
size() { du -sb "$1" | cut -f1; }
# shellcheck disable=SC2086
$SNAP init --kdf scrypt:1024,8,1 ${SNAP_BENCH_INIT_ARGS:-} >/dev/null
step "create first" "$(size "$W/src")" $SNAP create "$W/src" --json
# The night's change.
node -e '
  const fs = require("node:fs"), path = require("node:path"), crypto = require("node:crypto");
  const files = []; const walk = (d) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, e.name); if (e.isDirectory()) walk(p); else if (e.isFile()) files.push(p); } };
  walk(process.argv[1]); files.sort();
  files.forEach((f, i) => { if (i % 50 === 7) fs.appendFileSync(f, "\n// changed tonight\n"); else if (i % 100 === 13) fs.rmSync(f); });
  fs.mkdirSync(path.join(process.argv[1], "new"), { recursive: true });
  for (let i = 0; i < 8; i++) fs.writeFileSync(path.join(process.argv[1], "new", `r${i}`), crypto.randomBytes(1 << 20));
' "$W/src"
step "create nightly" "$(size "$W/src")" $SNAP create "$W/src" --json
step "restore" "$(size "$W/src")" $SNAP restore latest "$W/out" --json
FIRST=$($SNAP list --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].id))')
$SNAP forget "$FIRST" --json >/dev/null || echo "forget refused (retained by Object Lock, see above)" >&2
step "prune" 0 $SNAP prune --json
