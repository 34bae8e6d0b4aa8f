# shellcheck shell=bash disable=SC2034
# Common settings and helpers for the harness scripts.  Sourced, not run
# (SC2034: the variables are for the scripts that source this file).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
WT=${WT:-$BUILD/linux}               # the kernel work tree (git, base + series)
CHECK_WT=$BUILD/check-tree      # detached worktree for base/bisect builds
OUT=$BUILD/out                  # O= build directories
# The test kernel (boot test and KUnit): x86_64, or with KARCH=arm64 the
# cross-built arm64 kernel of the fallback boot. Config fragments on top of
# allnoconfig.
KARCH=${KARCH:-x86_64}
case "$KARCH" in
x86_64)
	KOUT=$OUT/kernel
	KIMAGE=$KOUT/arch/x86/boot/bzImage
	KCONFIGS=("$ROOT/configs/boot.config" "$ROOT/configs/x86_64.config"
		"$ROOT/configs/debug.config" "$ROOT/configs/kasan.config"
		"$ROOT/configs/msi.kunitconfig")
	;;
arm64)
	export ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
	KOUT=$OUT/kernel-arm64
	KIMAGE=$KOUT/arch/arm64/boot/Image
	KCONFIGS=("$ROOT/configs/boot.config" "$ROOT/configs/arm64.config"
		"$ROOT/configs/debug.config")
	;;
*) printf 'error: KARCH=%s: x86_64 or arm64\n' "$KARCH" >&2; exit 1 ;;
esac
# busybox of the arm64 guest (scripts/deps.sh unpacks Debian's package)
BUSYBOX_ARM64=$BUILD/deps/busybox-arm64/bin/busybox
RESULTS=${RESULTS:-}            # file collecting PASS/FAIL lines (make test)

# The pinned Debian source packages (base and benchmark peer): ../pins
# (scripts/rebase.sh points PINS at the candidate pins while it tries them)
PINS=${PINS:-$ROOT/pins}
# shellcheck source=../pins
. "$PINS"
# (scripts/rebase.sh tries a downloaded tarball before installing it)
BASE_TARBALL=${BASE_TARBALL:-/usr/src/$BASE_PKG.tar.xz}
PEER_TARBALL=${PEER_TARBALL:-/usr/src/$PEER_PKG.tar.xz}

# Identity used for the base commit and for commits made by the scripts.
TEAM_NAME="Per-device MSI team"
TEAM_EMAIL="msi-devel@example.org"
FIXED_DATE="2024-01-01T00:00:00+0000"

# apt-get as root (deps.sh, rebase.sh)
if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
export DEBIAN_FRONTEND=noninteractive

JOBS=${JOBS:-$(nproc)}
export CCACHE_BASEDIR=$ROOT CCACHE_NOHASHDIR=1 CCACHE_SLOPPINESS=time_macros
export KBUILD_BUILD_TIMESTAMP="$FIXED_DATE" KBUILD_BUILD_USER=msi KBUILD_BUILD_HOST=msi
KMAKE=(make -s -j"$JOBS" CC="ccache ${CROSS_COMPILE:-}gcc" HOSTCC="ccache gcc")

# Kernel log lines that fail any test run.
SPLATS='(WARNING:|BUG:|Oops|KASAN:|general protection|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|Call Trace:)'

# expected_warnings LOG: LOG without the warnings the tests announced.
# A test announces them with a line "... expect a warning from FILE: WHY"
# (at least one must come) or "... may warn from FILE: WHY" (WARN_ON_ONCE()
# warns once per call site, and an inlined check is a site in each caller).
# Up to the next announcement, KTAP result line ("ok N ...") or line
# "expected warnings end", warnings from FILE ("WARNING: ... at
# .../FILE:LINE") are left out, up to their "---[ end trace" line (or the
# next result line or splat). A
# warning which was expected and did not come is named on stderr, and the
# function fails.
expected_warnings() {
	awk '
	function close_window() {
		if (want != "" && need && !seen) {
			print "no warning: " why > "/dev/stderr"
			bad = 1
		}
		want = ""
	}
	# A warning block ends with its end-of-trace line; a result line or
	# another splat ends it too, so that a truncated block hides nothing.
	skip && /---\[ end trace/ {
		skip = 0
		next
	}
	skip && !(/^(\[[ 0-9.]+\])?[ \t]*(not )?ok [0-9]+/ || /WARNING:|BUG:|Oops|KASAN:/) {
		next
	}
	{ skip = 0 }
	/expect a warning from |may warn from / {
		close_window()
		need = /expect a warning from /
		why = $0
		sub(/.*(expect a warning|may warn) from /, "", why)
		want = why
		sub(/:.*/, "", want)
		seen = 0
		print
		next
	}
	/expected warnings end/ || /^(\[[ 0-9.]+\])?[ \t]*(not )?ok [0-9]+/ {
		close_window()
	}
	/WARNING:/ && want != "" && index($0, want ":") {
		skip = 1
		seen = 1
		next
	}
	{ print }
	END {
		close_window()
		exit bad
	}' "$1"
}

# check_splats NAME LOG: one result for the kernel log LOG of check NAME
# (and one more if a warning a test announced did not come).
check_splats() {
	local log=$2.unexpected
	if ! expected_warnings "$2" >"$log" 2>"$log.missing"; then
		fail "$1: $(paste -sd ';' "$log.missing") ($2)"
	fi
	if grep -Eq "$SPLATS" "$log"; then
		grep -En "$SPLATS" "$log" | head -n 20
		fail "$1: kernel log has warnings or splats ($2)"
	else
		pass "$1: no warning, lockdep, KASAN or kmemleak report in the kernel log"
	fi
}

# kunit_results NAME LOG DIR: one result per KUnit test case of the kernel
# log LOG (kunit.py parse; its files go to DIR), and one for the error
# table of Documentation/core-api/msi.rst against the cases of
# msi_test_error_table, which are named as its rows.
kunit_results() {
	local name=$1 log=$2 dir=$3 status kcase n=0
	python3 "$WT/tools/testing/kunit/kunit.py" parse --json="$dir/results.json" "$log" \
		>"$dir/parsed.log" 2>&1 || true
	grep -E '^\[(PASSED|FAILED|SKIPPED|CRASHED)\]|Testing complete|ERROR' "$dir/parsed.log" |
		tail -n 5 || true
	python3 - "$dir/results.json" >"$dir/cases.txt" <<'PY'
import json, sys
def walk(group, prefix):
    for case in group.get("test_cases", []):
        print(case["status"], prefix + case["name"])
    for sub in group.get("sub_groups", []):
        walk(sub, prefix + sub["name"] + ".")
walk(json.load(open(sys.argv[1])), "")
PY
	while read -r status kcase; do
		case "$status" in
		PASS) pass "$name: $kcase" ;;
		SKIP) printf 'SKIP: %s: %s\n' "$name" "$kcase" ;;
		*) fail "$name: $kcase ($status)" ;;
		esac
		n=$((n + 1))
	done <"$dir/cases.txt"
	[ "$n" -gt 0 ] || fail "$name: no test case ran"

	if python3 - "$WT/Documentation/core-api/msi.rst" "$dir/cases.txt" >"$dir/error-table.txt" <<'PY'
import re, sys
table = [m.group(1) + " " + m.group(2) for m in
         (re.match(r"^``(-E[A-Z]+)``\s+(.*?)\s{2,}(yes|no)\s*$", l) for l in open(sys.argv[1])) if m]
key = "msi_errors.msi_test_error_table."
cases = [l.split(None, 1)[1].strip()[len(key):] for l in open(sys.argv[2])
         if l.split(None, 1)[1].startswith(key)]
for row in sorted(set(table) ^ set(cases)):
    print(("only in msi.rst: " if row in table else "only in msi_kunit.c: ") + row)
sys.exit(0 if table == cases and table else 1)
PY
	then
		pass "$name: the error table of msi.rst and msi_test_error_table have the same rows, in order"
	else
		fail "$name: the error table of msi.rst and msi_test_error_table differ: $(paste -sd ';' "$dir/error-table.txt")"
	fi
}

# timed NAME CMD...: run a command, then print how long it took (and add
# it to $TIMES, build/times.txt under make test); its status is returned.
# For shell functions that rely on set -e use lap instead.
TIMES=${TIMES:-}
timed() {
	local name=$1 t0=$SECONDS rc=0
	shift
	"$@" || rc=$?
	lap "$name" "$t0"
	return "$rc"
}

# lap NAME T0: print (and record) the seconds since T0 ($SECONDS).
lap() {
	printf '%5d s  %s\n' $((SECONDS - $2)) "$1" >&2
	[ -z "$TIMES" ] || printf '%5d s  %s\n' $((SECONDS - $2)) "$1" >>"$TIMES"
}

die() { printf 'error: %s\n' "$*" >&2; exit 1; }
info() { printf '==> %s\n' "$*" >&2; }

# Record one check result; make test counts these lines.
pass() {
	printf 'PASS: %s\n' "$*"
	[ -z "$RESULTS" ] || printf 'PASS: %s\n' "$*" >>"$RESULTS"
}
fail() {
	printf 'FAIL: %s\n' "$*"
	[ -z "$RESULTS" ] || printf 'FAIL: %s\n' "$*" >>"$RESULTS"
	FAILED=1
}
FAILED=0

need_tree() {
	[ -e "$WT/.git" ] || die "no work tree at $WT; run 'make tree' first"
}

# check_tree [DIR]: a detached worktree (default $CHECK_WT) for base and
# per-patch builds; make check and make bisect each have their own.
check_tree() {
	local dir=${1:-$CHECK_WT}
	# A worktree of an earlier work tree (make tree made the base anew)
	# is stale: make it again.
	if [ -e "$dir/.git" ] && ! git -C "$dir" rev-parse -q --verify base >/dev/null 2>&1; then
		rm -rf "$dir"
	fi
	if [ ! -e "$dir/.git" ]; then
		git -C "$WT" worktree prune
		git -C "$WT" worktree add -q --detach "$dir" base
	fi
}

# Files the series touches, one per line (relative to the kernel tree).
touched_files() {
	git -C "$WT" diff --name-only --diff-filter=d base..HEAD
}

# Patch commits of the series, oldest first.
series_commits() {
	git -C "$WT" rev-list --reverse base..HEAD
}

# Patch files named by patches/series, in order ('#' starts a comment).
series_patches() {
	local line
	[ -f "$ROOT/patches/series" ] || die "patches/series is missing"
	while IFS= read -r line; do
		line=${line%%#*}
		line=${line//[[:space:]]/}
		[ -n "$line" ] || continue
		[ -f "$ROOT/patches/$line" ] || die "patches/series names $line, which does not exist"
		printf '%s\n' "$line"
	done <"$ROOT/patches/series"
}

series_stamp() {
	local files
	mapfile -t files < <(series_patches)
	(cd "$ROOT/patches" && cat series "${files[@]}") | sha256sum | cut -d' ' -f1
}

# Pinned source packages: pin_field PKG version|sha256|tarball.
pin_field() {
	local pkg=$1 field=$2
	case "$pkg:$field" in
	"$BASE_PKG:version") echo "$BASE_DEB_VERSION" ;;
	"$BASE_PKG:sha256") echo "$BASE_SHA256" ;;
	"$BASE_PKG:tarball") echo "$BASE_TARBALL" ;;
	"$PEER_PKG:version") echo "$PEER_DEB_VERSION" ;;
	"$PEER_PKG:sha256") echo "$PEER_SHA256" ;;
	"$PEER_PKG:tarball") echo "$PEER_TARBALL" ;;
	*) return 1 ;;
	esac
}

is_pinned() { pin_field "$1" version >/dev/null; }

# The installed version of a package, empty if it is not installed.
installed_version() {
	{ dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null || true; } |
		sed -n 's/^install ok installed //p'
}

# The versions of a package the configured archives offer, newest first.
archive_versions() {
	apt-cache madison "$1" 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' |
		sort -u | sort -r -V
}

# The newest version of a package the archives offer.
newest_version() {
	local v best=
	for v in $(archive_versions "$1"); do
		if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then
			best=$v
		fi
	done
	echo "$best"
}

# How to move a pin; part of every message about one.
REBASE_HINT="'make rebase' moves the pins to the newest revisions the archive offers (re-applies and re-exports the series, checks the benchmark patch)"

# verify_pin PKG: the pinned version of PKG is installed and its tarball has
# the pinned checksum (a tarball given in BASE_TARBALL / PEER_TARBALL, as
# rebase.sh does, only the checksum); otherwise stop, saying what differs.
verify_pin() {
	local pkg=$1 want have tarball sum
	want=$(pin_field "$pkg" version)
	tarball=$(pin_field "$pkg" tarball)
	if [ "$tarball" = "/usr/src/$pkg.tar.xz" ]; then
		have=$(installed_version "$pkg")
		[ "$have" = "$want" ] ||
			die "$pkg is pinned to $want (file pins) but ${have:-no version} is installed; 'make deps' installs the pinned one"
	fi
	[ -f "$tarball" ] || die "$pkg $want: $tarball is missing"
	sum=$(sha256sum "$tarball" | cut -d' ' -f1)
	[ "$sum" = "$(pin_field "$pkg" sha256)" ] ||
		die "$tarball ($pkg $want) has sha256 $sum, but the pin (file pins) says $(pin_field "$pkg" sha256): it is not the tarball the series was tested on. Reinstall it (apt-get install --reinstall $pkg=$want); if the archive's $pkg $want itself changed, that is a new base: find out why before moving the pin"
}
