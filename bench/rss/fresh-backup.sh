#!/bin/bash
# Peak RSS of one snap backup into a fresh repository, broken down by mapping (docs/benchmarks.md,
# "Cache layout 3"). The password is the benchmark's, not a secret.
# usage: fresh-backup.sh SRC [extra create args]; SNAPJS=path/to/bin/snap.js picks another build.
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$1; shift
SNAPJS=${SNAPJS:-$HERE/../../bin/snap.js}
T=$(mktemp -d "${TMPDIR:-/tmp}/snap-rss.XXXX")
export SNAP_PASSWORD=bench-password-not-secret SNAP_REPO=$T/repo SNAP_CACHE_DIR=$T/cache XDG_CACHE_HOME=$T/cache
node $SNAPJS init --kdf scrypt:16384,8,1 --json > /dev/null
sync
cd $SRC && /usr/bin/time -f "wall %e s user %U sys %S maxrss %M KiB" python3 "$HERE/peak.py" node $SNAPJS create $SRC --json "$@"
du -sm $T/cache | cut -f1 | sed 's/^/cache MB /'
rm -rf $T
