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
		"$ROOT/configs/debug.config" "$ROOT/configs/msi.kunitconfig")
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

BASE_TARBALL=/usr/src/linux-source-6.1.tar.xz
BASE_PKG=linux-source-6.1
BASE_VERSION=6.1.192            # what the series is developed against

# Identity used for the base commit and for commits made by the scripts.
TEAM_NAME="Per-device MSI team"
TEAM_EMAIL="msi-devel@example.org"
FIXED_DATE="2024-01-01T00:00:00+0000"

JOBS=${JOBS:-$(nproc)}
export CCACHE_BASEDIR=$ROOT CCACHE_NOHASHDIR=1 CCACHE_SLOPPINESS=time_macros
export KBUILD_BUILD_TIMESTAMP="$FIXED_DATE" KBUILD_BUILD_USER=msi KBUILD_BUILD_HOST=msi
KMAKE=(make -s -j"$JOBS" CC="ccache ${CROSS_COMPILE:-}gcc" HOSTCC="ccache gcc")

# Kernel log lines that fail any test run.
SPLATS='(WARNING:|BUG:|Oops|KASAN:|general protection|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|Call Trace:)'

# check_splats NAME LOG: one result for the kernel log LOG of check NAME.
check_splats() {
	if grep -Eq "$SPLATS" "$2"; then
		grep -En "$SPLATS" "$2" | head -n 20
		fail "$1: kernel log has warnings or splats ($2)"
	else
		pass "$1: no warning, lockdep, KASAN or kmemleak report in the kernel log"
	fi
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
