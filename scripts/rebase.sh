#!/usr/bin/env bash
# make rebase: move the pins (file pins) to the newest revisions of the
# Debian source packages the archive offers, on purpose.
#
#  - the base (linux-source-6.1): install the newest revision, unpack it
#    as the base commit of a scratch work tree, apply the series to it
#    (naming any patch that no longer applies), and only if every patch
#    applies: make it the work tree, re-export patches/ (the cover
#    letter's base-commit and the Debian revision it names) and update
#    the pin;
#  - the benchmark's peer (linux-source-6.12): install the newest
#    revision and check bench/linux-6.12-secondary-domain.patch applies.
#
# A pin is only changed when everything it needs worked; otherwise the
# pins, patches/ and the work tree are left as they were.
# rebase.sh [BASE_VERSION]: move the base to that revision instead.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] && SUDO=() || SUDO=(sudo)
export DEBIAN_FRONTEND=noninteractive
SCRATCH=$BUILD/linux.rebase
CANDIDATE=$BUILD/pins.rebase
PEER_PATCH=$ROOT/bench/linux-6.12-secondary-domain.patch

# The work tree must hold nothing that patches/ does not.
if [ -d "$WT/.git" ] && [ -f "$WT/.git/msi-series-stamp" ]; then
	read -r _ head <"$WT/.git/msi-series-stamp"
	if [ "$(git -C "$WT" rev-parse HEAD)" != "$head" ] ||
		[ -n "$(git -C "$WT" status --porcelain --untracked-files=no)" ]; then
		die "the work tree has work not exported to patches/: 'make export' first"
	fi
fi

"${SUDO[@]}" apt-get update -q >/dev/null || die "apt-get update failed"

# install PKG VERSION: that revision of a pinned package; prints its sha256.
install() {
	"${SUDO[@]}" apt-get install -y -q --no-install-recommends --allow-downgrades \
		"$1=$2" >"$BUILD/rebase-apt.log" 2>&1 || {
		cat "$BUILD/rebase-apt.log" >&2
		die "apt-get could not install $1=$2"
	}
	sha256sum "$(pin_field "$1" tarball)" | cut -d' ' -f1
}

# set_pin FILE KEY VALUE
set_pin() {
	sed -i "s|^$2=.*|$2=$3|" "$1"
	grep -qxF "$2=$3" "$1" || die "could not set $2 in $1"
}

mkdir -p "$BUILD"
cp "$PINS" "$CANDIDATE"
moved=()

# The base
old=$BASE_DEB_VERSION
new=${1:-$(newest_version "$BASE_PKG")}
[ -n "$new" ] || die "the archive offers no $BASE_PKG"
if [ "$new" = "$old" ] && [ "$(installed_version "$BASE_PKG")" = "$old" ]; then
	info "$BASE_PKG: already at $old, the newest the archive offers"
else
	info "$BASE_PKG: $old -> $new"
	sum=$(install "$BASE_PKG" "$new")
	set_pin "$CANDIDATE" BASE_DEB_VERSION "$new"
	set_pin "$CANDIDATE" BASE_SHA256 "$sum"
	rm -rf "$SCRATCH"
	old_commit=$(sed -n 's/^base-commit: //p' "$ROOT/patches/0000-cover-letter.patch")
	if ! PINS=$CANDIDATE WT=$SCRATCH "$ROOT/scripts/tree.sh"; then
		rm -rf "$SCRATCH"
		die "the series does not apply to $BASE_PKG $new (above); pins, patches/ and build/linux are unchanged ($BASE_PKG $new stays installed until 'make deps' puts back $old)"
	fi
	# The cover letter names the Debian revision of its base.
	desc=$(git -C "$SCRATCH" config branch.series.description)
	git -C "$SCRATCH" config branch.series.description "${desc//"$old"/"$new"}"
	PINS=$CANDIDATE WT=$SCRATCH "$ROOT/scripts/export.sh"
	rm -rf "$WT"
	mv "$SCRATCH" "$WT"
	git -C "$WT" worktree prune
	moved+=("$BASE_PKG $old -> $new, base-commit $old_commit -> $(sed -n 's/^base-commit: //p' "$ROOT/patches/0000-cover-letter.patch")")
fi

# The benchmark's peer: the bench patch must apply to the new revision.
old=$PEER_DEB_VERSION
new=$(newest_version "$PEER_PKG")
[ -n "$new" ] || die "the archive offers no $PEER_PKG"
if [ "$new" = "$old" ] && [ "$(installed_version "$PEER_PKG")" = "$old" ]; then
	info "$PEER_PKG: already at $old, the newest the archive offers"
else
	info "$PEER_PKG: $old -> $new"
	sum=$(install "$PEER_PKG" "$new")
	tmp=$BUILD/peer.rebase
	rm -rf "$tmp"
	mkdir -p "$tmp"
	# Only the files the patch touches
	mapfile -t files < <(git apply --numstat "$PEER_PATCH" | cut -f3)
	tar -C "$tmp" --strip-components=1 -xf "$PEER_TARBALL" --wildcards "${files[@]/#/*/}"
	if ! (cd "$tmp" && git apply --check "$PEER_PATCH"); then
		rm -rf "$tmp"
		die "$PEER_PATCH does not apply to $PEER_PKG $new; the pin stays at $old"
	fi
	rm -rf "$tmp"
	set_pin "$CANDIDATE" PEER_DEB_VERSION "$new"
	set_pin "$CANDIDATE" PEER_SHA256 "$sum"
	moved+=("$PEER_PKG $old -> $new (bench patch applies)")
fi

if [ ${#moved[@]} -eq 0 ]; then
	info "nothing to move"
else
	cp "$CANDIDATE" "$PINS"
	for m in "${moved[@]}"; do info "moved: $m"; done
	info "now: make test, then commit pins and patches/"
fi
rm -f "$CANDIDATE"
