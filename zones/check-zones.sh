#!/bin/sh
# check-zones.sh -- run nsd-checkzone on every zone file under zones/*/.
#
# The origin of each zone is its file name without ".zone"
# (zones/demo/lync.test.zone has origin lync.test.).  Exits non-zero if a
# zone fails, or if no zone file is found at all.
#
# Environment: ZONES_DIR (default: the directory of this script),
# NSD_CHECKZONE (default: next to $NSD, else from PATH, else /usr/sbin).
set -u

zones_dir=${ZONES_DIR:-$(cd "$(dirname "$0")" && pwd)}

checkzone=${NSD_CHECKZONE:-}
if [ -z "$checkzone" ] && [ -n "${NSD:-}" ] &&
   [ -x "$(dirname "$NSD")/nsd-checkzone" ]; then
	checkzone=$(dirname "$NSD")/nsd-checkzone
fi
if [ -z "$checkzone" ]; then
	checkzone=$(command -v nsd-checkzone 2>/dev/null || echo /usr/sbin/nsd-checkzone)
fi
if [ ! -x "$checkzone" ]; then
	echo "check-zones: nsd-checkzone not found ($checkzone)" >&2
	exit 1
fi

n=0
failed=0
for f in "$zones_dir"/*/*.zone; do
	[ -f "$f" ] || continue
	origin=$(basename "$f" .zone)
	n=$((n + 1))
	if out=$("$checkzone" "$origin" "$f" 2>&1); then
		echo "ok   $origin ($f)"
	else
		echo "FAIL $origin ($f):" >&2
		echo "$out" >&2
		failed=$((failed + 1))
	fi
done

if [ "$n" -eq 0 ]; then
	echo "check-zones: no zone files under $zones_dir" >&2
	exit 1
fi
echo "check-zones: $n zone(s), $failed failed"
[ "$failed" -eq 0 ]
