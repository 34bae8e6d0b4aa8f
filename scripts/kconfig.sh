#!/usr/bin/env bash
# kconfig.sh OUTDIR FRAGMENT...: configure the work tree into OUTDIR as
# allnoconfig plus the fragments, then check every fragment line took effect
# (with LENIENT=1, symbols the tree does not define are let through).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_tree
out=$(realpath -m "$1")
shift
mkdir -p "$out"
cat "$@" >"$out/fragment.config"
make -s -C "$WT" O="$out" KCONFIG_ALLCONFIG="$out/fragment.config" allnoconfig >/dev/null 2>&1 ||
	die "allnoconfig with the fragments failed in $out"
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF -- "$line" "$out/.config" && continue
		got=$(grep -E "^(# )?${line%%=*}[= ]" "$out/.config" || true)
		# LENIENT=1 (earlier patches of the series): a symbol that
		# the tree does not define yet is fine.
		[ -z "$got" ] && [ "${LENIENT:-0}" = 1 ] && continue
		printf 'kconfig: wanted %s, got: %s\n' "$line" "${got:-absent}" >&2
		bad=1
		;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }
		sym=${sym%% *}
		! grep -q "^$sym=" "$out/.config" || {
			printf 'kconfig: wanted %s unset\n' "$sym" >&2
			bad=1
		}
		;;
	esac
done <"$out/fragment.config"
[ "$bad" = 0 ] || die "config fragment did not take effect in $out/.config"
