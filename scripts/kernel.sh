#!/usr/bin/env bash
# Configure and build the x86_64 test kernel from the work tree: allnoconfig
# plus configs/boot.config, x86_64.config, debug.config, kasan.config and
# msi.kunitconfig.
# The same kernel boots the device test (scripts/boot.sh) and runs the KUnit
# suites (scripts/kunit.sh), so each change costs one build.
# KARCH=arm64: the arm64 kernel of the fallback boot (boot.config,
# arm64.config, debug.config), cross-built.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_tree
out=$KOUT
"$ROOT/scripts/kconfig.sh" "$out" "${KCONFIGS[@]}"
info "building the test kernel in $out"
if ! "${KMAKE[@]}" -C "$WT" O="$out" >"$out/build.log" 2>&1; then
	grep -E 'error|Error' "$out/build.log" | head -n 30
	die "kernel build failed (log: $out/build.log)"
fi
info "built $KIMAGE"
