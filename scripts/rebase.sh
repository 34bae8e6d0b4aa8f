#!/usr/bin/env bash
# make rebase: move the pins (file pins) to the newest revisions of the
# Debian source packages the archive offers, on purpose.
#
# Everything is tried before anything changes:
#  1. the benchmark's peer (linux-source-6.12): download the newest
#     revision and check that bench/linux-6.12-secondary-domain.patch
#     applies to it;
#  2. the base (linux-source-6.1): download the newest revision, unpack it
#     as the base commit of a scratch work tree and apply the series,
#     naming any patch that no longer applies.
# Only when both work: make the scratch tree the work tree, re-export
# patches/ from it (its base-commit, and the version and revision the
# cover letter names), write the new pins, then install the new packages.
# If a try fails, pins, patches/, build/linux and the installed packages
# stay as they were (an export that fails puts patches/ and build/linux
# back; if only the install fails, 'make deps' installs the pins).
#
# rebase.sh [BASE_VERSION]: move the base to that revision, even an older
# one (without it, a newest revision older than the pin is refused).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

DL=$BUILD/rebase
SCRATCH=$BUILD/linux.rebase
CANDIDATE=$DL/pins
PEER_PATCH=$ROOT/bench/linux-6.12-secondary-domain.patch

# The work tree must hold nothing that patches/ does not (export.sh also
# refuses untracked files and uncommitted changes).
if [ -d "$WT/.git" ]; then
	"$ROOT/scripts/export.sh" --check ||
		die "the work tree has work not in patches/: 'make export' first (or 'FORCE=1 make tree' to drop it)"
fi

# target PKG OLD [VERSION]: the revision to move PKG to.
target() {
	local new=${3:-$(newest_version "$1")}
	[ -n "$new" ] || die "the archive offers no $1"
	if [ -z "${3:-}" ] && dpkg --compare-versions "$new" lt "$2"; then
		die "the newest $1 the archive offers, $new, is older than the pin $2 (is the security archive missing from the apt sources?); name a version to go back on purpose"
	fi
	echo "$new"
}

# fetch PKG VERSION: that revision's tarball, downloaded (not installed)
# to $DL/PKG.tar.xz; prints its sha256.
fetch() {
	local deb
	rm -f "$DL/$1"_*.deb "$DL/$1.tar.xz"
	(cd "$DL" && apt-get download -q "$1=$2" >/dev/null 2>&1) || die "apt-get could not download $1=$2"
	deb=$(ls "$DL/$1"_*.deb)
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$1.tar.xz" >"$DL/$1.tar.xz" ||
		die "no /usr/src/$1.tar.xz in $deb"
	sha256sum "$DL/$1.tar.xz" | cut -d' ' -f1
}

# moves PKG OLD NEW SUM OLDSUM: is there anything to move? Same version
# with another tarball is not a move but a changed archive: stop.
moves() {
	[ "$2" != "$3" ] && return 0
	[ "$4" = "$5" ] ||
		die "the archive's $1 $2 has sha256 $4, the pin says $5: the same version with another tarball; nothing moved, find out why first"
	info "$1: already at $2, the newest the archive offers"
	return 1
}

# set_pin KEY VALUE: in the candidate pins
set_pin() {
	sed -i "s|^$1=.*|$1=$2|" "$CANDIDATE"
	grep -qxF "$1=$2" "$CANDIDATE" || die "could not set $1 in $CANDIDATE"
}

rm -rf "$DL" "$SCRATCH"
mkdir -p "$DL"
trap 'rm -rf "$DL" "$SCRATCH" "$BUILD/linux.unpack"' EXIT
cp "$PINS" "$CANDIDATE"
"${SUDO[@]}" apt-get update -q >/dev/null || die "apt-get update failed"
moved=() install=() base_moved=0

# 1. The benchmark's peer: the bench patch must apply (only the files it
# touches are unpacked).
peer_old=$PEER_DEB_VERSION
peer_new=$(target "$PEER_PKG" "$peer_old")
sum=$(fetch "$PEER_PKG" "$peer_new")
if moves "$PEER_PKG" "$peer_old" "$peer_new" "$sum" "$PEER_SHA256"; then
	info "$PEER_PKG: trying $peer_new"
	tmp=$DL/peer
	mkdir -p "$tmp"
	git -C "$tmp" init -q
	mapfile -t files < <(git -C "$tmp" apply --numstat "$PEER_PATCH" | cut -f3)
	[ ${#files[@]} -gt 0 ] || die "$PEER_PATCH touches no file?"
	tar -C "$tmp" --strip-components=1 -xf "$DL/$PEER_PKG.tar.xz" --wildcards "${files[@]/#/*/}"
	git -C "$tmp" apply --check "$PEER_PATCH" ||
		die "$PEER_PATCH does not apply to $PEER_PKG $peer_new (above); nothing moved"
	set_pin PEER_DEB_VERSION "$peer_new"
	set_pin PEER_SHA256 "$sum"
	moved+=("$PEER_PKG $peer_old -> $peer_new (the bench patch applies)")
	install+=("$PEER_PKG=$peer_new")
fi

# 2. The base: the whole series must apply, in a scratch work tree.
base_old=$BASE_DEB_VERSION
base_new=$(target "$BASE_PKG" "$base_old" "${1:-}")
sum=$(fetch "$BASE_PKG" "$base_new")
if moves "$BASE_PKG" "$base_old" "$base_new" "$sum" "$BASE_SHA256"; then
	info "$BASE_PKG: trying $base_new"
	set_pin BASE_DEB_VERSION "$base_new"
	set_pin BASE_SHA256 "$sum"
	rm -rf "$SCRATCH"
	if ! BASE_TARBALL=$DL/$BASE_PKG.tar.xz PINS=$CANDIDATE WT=$SCRATCH "$ROOT/scripts/tree.sh"; then
		rm -rf "$SCRATCH"
		die "the series does not apply to $BASE_PKG $base_new (above); nothing moved"
	fi
	# The cover letter names the base's version and Debian revision.
	desc=$(git -C "$SCRATCH" config branch.series.description)
	grep -qF "$base_old" <<<"$desc" ||
		info "warning: the cover letter does not name $base_old; check what it says of the base"
	desc=${desc//"$base_old"/"$base_new"}
	# and "Linux 6.1.N": the Debian version without its revision
	desc=${desc//"Linux ${base_old%%-*}"/"Linux ${base_new%%-*}"}
	git -C "$SCRATCH" config branch.series.description "$desc"
	base_moved=1
	moved+=("$BASE_PKG $base_old -> $base_new")
	install+=("$BASE_PKG=$base_new")
fi

if [ ${#moved[@]} -eq 0 ]; then
	info "nothing to move"
	exit 0
fi
# Everything worked: patches/, the work tree and the pins move together.
old_commit=$(sed -n 's/^base-commit: //p' "$ROOT/patches/0000-cover-letter.patch")
if [ "$base_moved" = 1 ]; then
	rm -rf "$WT.old"
	[ ! -d "$WT" ] || mv "$WT" "$WT.old"
	mv "$SCRATCH" "$WT"
	if ! PINS=$CANDIDATE "$ROOT/scripts/export.sh"; then
		rm -rf "$WT"
		[ ! -d "$WT.old" ] || mv "$WT.old" "$WT"
		git -C "$ROOT" checkout -q -- patches/
		die "exporting the rebased series failed (above); pins, patches/ and build/linux are as they were"
	fi
	git -C "$WT" worktree prune
fi
cp "$CANDIDATE" "$PINS"
rm -rf "$WT.old"
for m in "${moved[@]}"; do info "moved: $m"; done
info "base-commit: $old_commit -> $(sed -n 's/^base-commit: //p' "$ROOT/patches/0000-cover-letter.patch")"
git -C "$ROOT" diff --stat -- pins patches/ >&2 || true
"${SUDO[@]}" apt-get install -y -q --no-install-recommends --allow-downgrades "${install[@]}" \
	>"$DL/apt.log" 2>&1 || {
	tail -n 20 "$DL/apt.log"
	die "the pins moved but apt-get could not install ${install[*]}: 'make deps' installs them"
}
info "installed ${install[*]}; review 'git diff patches/', run make test, commit pins and patches/"
