#!/usr/bin/env bash
# Run the KUnit suites of configs/msi.kunitconfig through
# tools/testing/kunit/kunit.py on the test kernel (scripts/kernel.sh builds
# it with that file, lockdep and KASAN): x86_64 under QEMU (TCG, 2 CPUs).
# One PASS/FAIL line per test case; any splat in the kernel log which no
# test announced fails the run.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_tree

"$ROOT/scripts/kernel.sh"
dir=$OUT/kunit
mkdir -p "$dir"
log=$dir/raw.log
cd "$WT"
info "kunit: running the suites in QEMU"
set +e
python3 tools/testing/kunit/kunit.py exec --arch=x86_64 \
	--kunitconfig="$ROOT/configs/msi.kunitconfig" --build_dir="$KOUT" \
	--qemu_args="-smp 2" --timeout="${KUNIT_TIMEOUT:-900}" \
	--raw_output=all >"$log" 2>&1
rc=$?
set -e
if [ "$rc" != 0 ] && ! grep -q 'KTAP version\|TAP version' "$log"; then
	tail -n 40 "$log"
	fail "kunit: test kernel did not boot (kunit.py exit $rc, log $log)"
	exit 1
fi

kunit_results kunit "$log" "$dir"
check_splats kunit "$log"
[ "$FAILED" = 0 ]
