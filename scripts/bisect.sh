#!/usr/bin/env bash
# Build the full boot-test kernel at every patch of the series (in a
# separate worktree, so the work tree is left alone).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_tree
out=$OUT/bisect
tree=$BUILD/bisect-tree
check_tree "$tree"
i=0
n=$(series_commits | wc -l)
for c in $(series_commits); do
	i=$((i + 1))
	git -C "$tree" checkout -q --detach "$c"
	lenient=1
	[ "$i" = "$n" ] && lenient=0
	LENIENT=$lenient WT=$tree "$ROOT/scripts/kconfig.sh" "$out" "${KCONFIGS[@]}"
	subject=$(git -C "$WT" log -1 --format=%s "$c")
	info "bisect: building patch $i/$n: $subject"
	if "${KMAKE[@]}" -C "$tree" O="$out" >"$out/build-$i.log" 2>&1; then
		pass "bisect: patch $i/$n builds the kernel: $subject"
	else
		grep -E 'error|Error' "$out/build-$i.log" | head -n 20
		fail "bisect: patch $i/$n breaks the build: $subject (log $out/build-$i.log)"
	fi
done
[ "$FAILED" = 0 ]
