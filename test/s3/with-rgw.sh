#!/usr/bin/env bash
# with-rgw.sh COMMAND...  --  run COMMAND with a real S3 engine (Ceph RGW) behind SNAP_S3_ENDPOINT.
#
# Starts RGW with the shared start-rgw.sh (../shared/s3/ beside the repository, else /work/shared/s3/)
# in a fresh data directory on free ports, exports its account (AWS_*, SNAP_S3_ENDPOINT, S3_BUCKET),
# runs COMMAND, and stops and removes RGW however COMMAND ends (trap). The S3 tests then run against
# RGW instead of s3rver (test/s3/server.ts). Without the script: one loud line, and COMMAND runs
# with s3rver only. Used by .ci/run and `npm run test:rgw`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
START=""
for c in "$ROOT/../shared/s3/start-rgw.sh" /work/shared/s3/start-rgw.sh; do
  if [ -x "$c" ]; then START=$c; break; fi
done
if [ -z "$START" ]; then
  echo "!!! with-rgw: start-rgw.sh not found (../shared/s3/ or /work/shared/s3/): S3 tests run against s3rver only, NOT a real engine !!!" >&2
  exec "$@"
fi
STOP=$(dirname "$START")/stop-rgw.sh
DATA=$(mktemp -d "${TMPDIR:-/tmp}/snap-ci-rgw.XXXXXX")
stop() { "$STOP" "$DATA" --purge >/dev/null 2>&1 || true; }
trap stop EXIT
trap 'exit 130' INT TERM
# Three free ports (RGW, mon msgr2, mon v1), so a developer's own RGW on 7480 is left alone.
read -r RGW_PORT MON_PORT MON_V1_PORT < <(node -e '
  const net = require("node:net");
  Promise.all([0, 1, 2].map(() => new Promise((r) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => r(p)); }); })))
    .then((ps) => console.log(ps.join(" ")));')
export RGW_PORT MON_PORT MON_V1_PORT
# A bucket with Object Lock (it cannot be enabled later) for the immutable-history tests.
export OBJECT_LOCK_BUCKET=snap-locked
T0=$SECONDS
if ! ENV=$("$START" "$DATA" 2>"$DATA.log"); then
  cat "$DATA.log" >&2
  echo "!!! with-rgw: RGW did not start (log above): S3 tests run against s3rver only, NOT a real engine !!!" >&2
  rm -f "$DATA.log"
  "$@"
  exit $?
fi
rm -f "$DATA.log"
eval "$ENV"
unset SNAP_REPO
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION SNAP_S3_ENDPOINT S3_ENDPOINT S3_BUCKET
export S3_LOCK_BUCKET=$OBJECT_LOCK_BUCKET
echo "with-rgw: Ceph RGW up in $((SECONDS - T0)) s at $SNAP_S3_ENDPOINT (SNAP_S3_ENDPOINT set: S3 tests use it)" >&2
"$@"
