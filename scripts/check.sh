#!/usr/bin/env bash
# Static checks on what the series touches, as a maintainer runs them
# before posting:
#  - shellcheck on the harness itself;
#  - checkpatch.pl --strict on every patch: no error, warning or check
#    (exceptions only through configs/checkpatch-exceptions, justified);
#  - get_maintainer.pl names the MSI entry for the MSI core files;
#  - every patch builds the objects the series touches and the NTB users
#    of the NTB MSI library (CI bisect check),
#    and at the last patch sparse (C=2) and W=1 add no warning that the
#    base does not have (sparse runs at the base and the last patch
#    only; W=1 at every patch, none adding a warning the base lacks);
#  - kernel-doc -none: no warning the base does not have (none at all for
#    new files);
#  - make htmldocs for the touched Documentation/ directories: no warning
#    the base does not have;
#  - make coccicheck MODE=report on the touched C files and headers: no
#    report the base does not have;
#  - the kernel builds with CONFIG_PCI_MSI=n (configs/nomsi.config).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_tree

checkpatch() {
	local c subject ignore glob type why out i=0
	for c in $(series_commits); do
		i=$((i + 1))
		subject=$(git -C "$WT" log -1 --format=%s "$c")
		ignore=
		while read -r glob type why; do
			case "$glob" in "#"* | "") continue ;; esac
			[ -n "$why" ] || die "configs/checkpatch-exceptions: '$glob $type' has no justification"
			# shellcheck disable=SC2254
			case "$subject" in $glob) ignore=${ignore:+$ignore,}$type ;; esac
		done <"$ROOT/configs/checkpatch-exceptions"
		out=$(cd "$WT" || exit
			git format-patch -1 --stdout "$c" |
				perl scripts/checkpatch.pl --strict ${ignore:+--ignore "$ignore"} - 2>&1) || true
		if grep -q '^total: 0 errors, 0 warnings, 0 checks' <<<"$out"; then
			pass "checkpatch --strict: patch $i: $subject"
		else
			grep -E '^(ERROR|WARNING|CHECK):' -A3 <<<"$out" | head -n 40
			fail "checkpatch --strict: patch $i: $subject ($(grep '^total:' <<<"$out"))"
		fi
	done
}

maintainers() {
	local f out entry="IRQ MSI CORE AND PER-DEVICE MSI DOMAINS"
	for f in kernel/irq/msi.c include/linux/msi.h drivers/pci/msi/msi.c \
		kernel/irq/msi_kunit.c Documentation/core-api/msi.rst drivers/misc/edu_ims.c; do
		# A one-line diff against the file works whether it exists yet or not.
		printf -- '--- a/%s\n+++ b/%s\n@@ -1 +1 @@\n-a\n+b\n' "$f" "$f" >"$BUILD/maint.diff"
		out=$(cd "$WT" || exit
			perl scripts/get_maintainer.pl --no-git --no-git-fallback "$BUILD/maint.diff" 2>&1) || true
		if grep -qF "(maintainer:$entry)" <<<"$out"; then
			pass "get_maintainer.pl names '$entry' for $f"
		else
			fail "get_maintainer.pl does not name '$entry' for $f"
		fi
	done
}

# Warnings of one compile, with line and column numbers dropped so that
# base and patched can be compared.
normalise() {
	sed -E -e 's|^.*check-tree/||' -e 's/:[0-9]+:[0-9]+:/:/' -e 's/:[0-9]+:/:/' |
		grep -E 'warning|error' | sort || true
}

# The C files of the test kernel that directly include one of the headers
# read from stdin (paths in the tree).
includers() {
	local f h
	while read -r h; do
		h=${h#include/}
		{ git -C "$WT" grep -l -F "#include <$h>" -- '*.c' || true; } | while read -r f; do
			if [ -f "$KOUT/${f%.c}.o" ]; then echo "$f"; fi
		done
	done
}

# The users of the NTB MSI library the test kernel builds: the NTB core,
# hardware drivers and clients, ntb_netdev and the switchtec management
# driver, at every patch whether the patch touches them or not.
ntb_users() {
	local f
	git -C "$WT" ls-files -- 'drivers/ntb/*.c' drivers/net/ntb_netdev.c \
		drivers/pci/switch/switchtec.c | while read -r f; do
		if [ -f "$KOUT/${f%.c}.o" ]; then echo "$f"; fi
	done
}

# The C files to build: the touched ones, the NTB users, and those of the
# test kernel that directly include a touched header (all of them at the
# base and the last patch, "all"; at another patch, the includers of the
# headers it touches).
check_sources() {
	touched_files | grep -E '\.c$' || true
	ntb_users
	if [ "$1" = all ]; then
		touched_files
	else
		git -C "$WT" diff-tree --no-commit-id --name-only -r "$1"
	fi | { grep -E '^include/.*\.h$' || true; } | includers
}

# Build the touched objects at every commit from base to HEAD in a separate
# worktree; collect sparse and W=1 output at base and at HEAD.
objects() {
	local out=$OUT/check commits c i=0 n objs f srcs=() all=() log new
	mapfile -t all < <(check_sources all | sort -u)
	if [ ${#all[@]} -eq 0 ]; then
		printf 'SKIP: sparse, W=1, per-patch builds: the series touches no C file\n'
		return 0
	fi
	check_tree "$CHECK_WT"
	mapfile -t commits < <(echo base; series_commits)
	n=$((${#commits[@]} - 1))
	for c in "${commits[@]}"; do
		git -C "$CHECK_WT" checkout -q --detach "$c"
		# Configure at every commit: Kconfig symbols come with patches.
		lenient=1
		[ "$i" = "$n" ] && lenient=0
		LENIENT=$lenient WT=$CHECK_WT "$ROOT/scripts/kconfig.sh" "$out" "${KCONFIGS[@]}" || {
			fail "patch $i/$n: the test kernel's config fragments do not configure"
			return 0
		}
		srcs=("${all[@]}")
		if [ "$c" != base ] && [ "$i" != "$n" ]; then
			mapfile -t srcs < <(check_sources "$c" | sort -u)
		fi
		objs=()
		for f in "${srcs[@]}"; do
			[ -f "$CHECK_WT/$f" ] && objs+=("${f%.c}.o")
		done
		log=$out/build-$i.log
		rm -f "${objs[@]/#/$out/}"
		# sparse at the base and the last patch (compared below),
		# W=1 at every patch
		checks=(W=1)
		if [ "$c" = base ] || [ "$i" = "$n" ]; then checks+=(C=2); fi
		if [ ${#objs[@]} -eq 0 ]; then
			:
		elif "${KMAKE[@]}" -C "$CHECK_WT" O="$out" "${checks[@]}" "${objs[@]}" >"$log" 2>&1; then
			[ "$c" = base ] || pass "patch $i/$n builds: ${objs[*]}"
			# W=1 at a patch between: nothing the base does not have
			if [ "$c" != base ] && [ "$i" != "$n" ]; then
				new=$(comm -13 "$out/warnings-base.txt" <(normalise <"$log"))
				if [ -n "$new" ]; then
					printf '%s\n' "$new" | head -n 20
					fail "patch $i/$n: W=1 warnings the base does not have: $(git -C "$WT" log -1 --format=%s "$c")"
				fi
			fi
		else
			tail -n 30 "$log"
			if [ "$c" = base ]; then
				fail "base does not build ${objs[*]}"
			else
				fail "patch $i/$n does not build: $(git -C "$WT" log -1 --format=%s "$c")"
			fi
		fi
		[ "$c" = base ] && normalise <"$log" >"$out/warnings-base.txt"
		i=$((i + 1))
	done
	normalise <"$log" >"$out/warnings-series.txt"
	new=$(comm -13 "$out/warnings-base.txt" "$out/warnings-series.txt")
	if [ -z "$new" ]; then
		pass "sparse C=2 and W=1: no new warning in ${#all[@]} files (${all[*]})"
	else
		printf '%s\n' "$new" | head -n 40
		fail "sparse C=2 and W=1: $(wc -l <<<"$new") new warnings"
	fi
}

kerneldoc() {
	local f base new
	while read -r f; do
		case "$f" in *.c | *.h) ;; *) continue ;; esac
		new=$(cd "$WT" && scripts/kernel-doc -none "$f" 2>&1 | sed -E 's/:[0-9]+:/:/' | sort)
		base=
		if git -C "$WT" cat-file -e "base:$f" 2>/dev/null; then
			base=$(cd "$WT" && git show "base:$f" >"$BUILD/kdoc-base.tmp" &&
				scripts/kernel-doc -none "$BUILD/kdoc-base.tmp" 2>&1 |
				sed -E -e "s|$BUILD/kdoc-base.tmp|$f|" -e 's/:[0-9]+:/:/' | sort)
		fi
		new=$(comm -13 <(printf '%s\n' "$base") <(printf '%s\n' "$new") | sed '/^$/d')
		if [ -z "$new" ]; then
			pass "kernel-doc: no new warning in $f"
		else
			printf '%s\n' "$new"
			fail "kernel-doc: new warnings in $f"
		fi
	done < <(touched_files)
}

harness() {
	local scripts=() f
	for f in "$ROOT"/guest/*; do
		case "$f" in *.c) ;; *) scripts+=("$f") ;; esac
	done
	if (cd "$ROOT" && shellcheck -x scripts/*.sh .ci/run && shellcheck -s sh "${scripts[@]}"); then
		pass "shellcheck: the harness scripts are clean"
	else
		fail "shellcheck: the harness scripts have findings"
	fi
}

# Sphinx warnings of one docs build, without paths and line numbers.
docs_warnings() {
	grep -E 'WARNING|ERROR' "$1" | sed -E -e 's|^.*/Documentation/|Documentation/|' \
		-e 's/:[0-9]+:/:/' | sort || true
}

# make htmldocs for the Documentation/ directories the series touches, at
# the base and at the last patch: no new warning or error.
htmldocs() {
	local dirs d new
	dirs=$(touched_files | sed -n 's|^Documentation/\([^/]*\)/.*\.rst$|\1|p' | sort -u | tr '\n' ' ')
	if [ -z "$dirs" ]; then
		printf 'SKIP: htmldocs: the series touches no documentation\n'
		return 0
	fi
	check_tree "$CHECK_WT"
	git -C "$CHECK_WT" checkout -q --detach base
	for d in series base; do
		local tree=$WT
		[ "$d" = base ] && tree=$CHECK_WT
		make -C "$tree" O="$OUT/docs-$d" SPHINXDIRS="${dirs% }" htmldocs \
			>"$OUT/docs-$d.log" 2>&1 || {
			tail -n 20 "$OUT/docs-$d.log"
			fail "htmldocs ($d): the build failed (log $OUT/docs-$d.log)"
			return 0
		}
	done
	new=$(comm -13 <(docs_warnings "$OUT/docs-base.log") <(docs_warnings "$OUT/docs-series.log"))
	if [ -z "$new" ]; then
		pass "htmldocs: no new warning in Documentation/{${dirs% }}"
	else
		printf '%s\n' "$new"
		fail "htmldocs: new warnings in Documentation/{${dirs% }}"
	fi
}

# The kernel builds with PCI but without PCI/MSI (configs/nomsi.config):
# the !CONFIG_PCI_MSI stubs of the series' PCI calls compile, and so do
# PCI drivers which use MSI.
nomsi() {
	local out=$OUT/nomsi
	"$ROOT/scripts/kconfig.sh" "$out" "$ROOT/configs/nomsi.config" || {
		fail "configs/nomsi.config does not configure"
		return 0
	}
	if "${KMAKE[@]}" -C "$WT" O="$out" W=1 >"$out/build.log" 2>&1; then
		pass "build with CONFIG_PCI=y, CONFIG_PCI_MSI=n (e1000e, virtio-net, virtio-blk, nvme)"
	else
		grep -E 'error|Error' "$out/build.log" | head -n 20
		fail "build with CONFIG_PCI_MSI=n failed (log $out/build.log)"
	fi
}

# Coccinelle's report (make coccicheck MODE=report, every semantic patch
# of scripts/coccinelle) on the C files and headers the series touches, at
# the base and at the last patch: no report the base does not have.
# coccicheck takes a directory (M=): the touched files are copied to one,
# with the headers of their directories for local includes; only reports
# on the touched files count.  Each copy ends with a canary function that
# scripts/coccinelle/misc/semicolon.cocci reports: every file must have
# its canary report, or spatch did not get through it.
CANARY='int cocci_canary(int a)\n{\n\tif (a) {\n\t\ta++;\n\t};\n\treturn a;\n}\n'
cocci_reports() {
	local tree=$1 src=$2 log=$3 f d n missing=0
	rm -rf "$src" "$src.files" "$src.canaries"
	mkdir -p "$src"
	while read -r f; do
		[ -f "$tree/$f" ] || continue
		d=${f%/*}
		mkdir -p "$src/$d"
		# Local headers (not over a touched one, copied with its
		# canary); <...> headers are found through the tree's -I
		case "$d" in
		include/* | arch/*/include/*) ;;
		*) cp -n "$tree/$d"/*.h "$src/$d/" 2>/dev/null || true ;;
		esac
		cp "$tree/$f" "$src/$f"
		n=$(wc -l <"$src/$f")
		# shellcheck disable=SC2059
		printf "\n$CANARY" >>"$src/$f"
		echo "$f" >>"$src.files"
		echo "$f:$((n + 6)):" >>"$src.canaries"
	done < <(touched_files | grep -E '\.[ch]$')
	make -C "$tree" -s coccicheck MODE=report M="$src" J="$JOBS" >"$log" 2>&1 || return 1
	# Reports on the touched files, the canaries' apart
	grep -F "$src/" "$log" | sed -E -e "s|^$src/||" -e 's/(:[0-9]+):[0-9]+(-[0-9]+)?:/\1:/' |
		grep -E "^($(paste -sd'|' "$src.files")):" >"$src.reports" || true
	while read -r f; do
		grep -q "^$f Unneeded semicolon" "$src.reports" || {
			echo "no canary report for ${f%%:*}: spatch did not get through it" >>"$log"
			missing=1
		}
	done <"$src.canaries"
	[ "$missing" = 0 ] || return 1
	# Without the canaries and line numbers
	grep -vxFf <(sed 's/$/ Unneeded semicolon/' "$src.canaries") "$src.reports" |
		sed -E 's/^([^:]+):[0-9]+:/\1:/' | sort || true
}

coccicheck() {
	local dir=$OUT/cocci new
	rm -rf "$dir"
	mkdir -p "$dir"
	check_tree "$CHECK_WT"
	git -C "$CHECK_WT" checkout -q --detach base
	if ! cocci_reports "$CHECK_WT" "$dir/base" "$dir/base.log" >"$dir/base.txt" ||
		! cocci_reports "$WT" "$dir/series" "$dir/series.log" >"$dir/series.txt"; then
		grep -hv '^/usr/bin/spatch' "$dir"/*.log | tail -n 20
		fail "coccicheck: spatch failed or did not get through a file (logs in $dir)"
		return 0
	fi
	new=$(comm -13 "$dir/base.txt" "$dir/series.txt")
	if [ -z "$new" ]; then
		pass "coccicheck MODE=report: no new report in $(wc -l <"$dir/series.files") touched files, each one's canary reported ($(wc -l <"$dir/base.txt") reports at the base, $(wc -l <"$dir/series.txt") in the series)"
	else
		printf '%s\n' "$new"
		fail "coccicheck MODE=report: $(wc -l <<<"$new") new reports (logs in $dir)"
	fi
}

# Called directly (set -e holds inside them), each one timed. CHECKS=
# "objects checkpatch" runs only those (while reworking the series).
declare -A label=([harness]=shellcheck [checkpatch]=checkpatch [maintainers]=get_maintainer
	[kerneldoc]=kernel-doc [coccicheck]=coccicheck [objects]="per-patch builds, sparse, W=1"
	[htmldocs]=htmldocs [nomsi]="PCI_MSI=n build")
selected=${CHECKS:-harness checkpatch maintainers kerneldoc coccicheck objects htmldocs nomsi}
for check in $selected; do
	[ -n "${label[$check]:-}" ] || die "CHECKS: no check '$check' (${!label[*]})"
done
for check in $selected; do
	t=$SECONDS
	"$check"
	lap "  ${label[$check]}" "$t"
done
[ "$FAILED" = 0 ]
