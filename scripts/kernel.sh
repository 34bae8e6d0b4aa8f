#!/usr/bin/env bash
# Configure and build the x86_64 test kernel from the work tree: allnoconfig
# plus configs/boot.config, configs/debug.config and configs/msi.kunitconfig.
# The same kernel boots the device test (scripts/boot.sh) and runs the KUnit
# suites (scripts/kunit.sh), so each change costs one build.
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
info "built $out/arch/x86/boot/bzImage"
