#!/usr/bin/env bash
# Build the git work tree: the pinned base (file pins) as one
# commit tagged 'base', then one commit per patch of patches/series.
#
# The tree is only rebuilt when patches/ changed since it was applied.  If
# it holds commits or edits that were not exported, it is left alone
# (FORCE=1 discards them).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

STAMP=$WT/.git/msi-series-stamp

# Is the work tree's base commit the pinned tarball?
base_is_pinned() {
	[ -f "$WT/.git/msi-base-sha256" ] && [ "$(cat "$WT/.git/msi-base-sha256")" = "$BASE_SHA256" ]
}

# unpack_base DIR: the pinned base tarball as a git tree in DIR, one commit
# tagged 'base' (the same tarball always gives the same commit).
unpack_base() {
	local dir=$1 ver
	verify_pin "$BASE_PKG"
	rm -rf "$dir"
	mkdir -p "$dir"
	info "unpacking $BASE_TARBALL ($BASE_PKG $BASE_DEB_VERSION)"
	tar -C "$dir" --strip-components=1 -xf "$BASE_TARBALL"
	ver=$(make -s -C "$dir" kernelversion)
	info "committing the base ($ver)"
	git -C "$dir" init -q -b series
	git -C "$dir" config user.name "$TEAM_NAME"
	git -C "$dir" config user.email "$TEAM_EMAIL"
	git -C "$dir" config core.autocrlf false
	git -C "$dir" add -A -f .
	GIT_AUTHOR_DATE=$FIXED_DATE GIT_COMMITTER_DATE=$FIXED_DATE \
		git -C "$dir" commit -q -m "Linux $ver (Debian $BASE_PKG $BASE_DEB_VERSION)"
	git -C "$dir" tag base
	echo "$BASE_SHA256" >"$dir/.git/msi-base-sha256"
}

make_base() {
	unpack_base "$BUILD/linux.unpack"
	rm -rf "$WT"
	mv "$BUILD/linux.unpack" "$WT"
}

# The cover letter's subject and body become the branch description, which
# 'make export' turns back into 0000-cover-letter.patch.
set_description() {
	local cover=$ROOT/patches/0000-cover-letter.patch desc
	[ -f "$cover" ] || return 0
	desc=$(awk '
		/^Subject: / && !subj { sub(/^Subject: *(\[[^]]*\] *)?/, ""); s = $0; subj = 1; insub = 1; next }
		insub && /^[ \t]/ { sub(/^[ \t]+/, " "); s = s $0; next }
		insub { insub = 0 }
		subj && !body && /^$/ { body = 1; print s; print ""; next }
		body && /^[^ ].* \([0-9]+\):$/ { exit }
		body { print }
	' "$cover")
	printf '%s\n' "$desc" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"$WT/.git/cover-description"
	git -C "$WT" config branch.series.description "$(cat "$WT/.git/cover-description")"
}

apply_series() {
	local p
	git -C "$WT" am --abort >/dev/null 2>&1 || true
	git -C "$WT" checkout -q -f -B series base
	git -C "$WT" clean -q -f -d -x
	# No automatic gc: after git am it would pack the base's 75k loose
	# objects in the background, racing with builds and rm -rf of the tree
	git -C "$WT" config gc.auto 0
	rm -f "$STAMP"
	for p in $(series_patches); do
		if ! git -C "$WT" am -q -3 --committer-date-is-author-date "$ROOT/patches/$p" >"$BUILD/am.log" 2>&1; then
			cat "$BUILD/am.log" >&2
			git -C "$WT" am --abort >/dev/null 2>&1 || true
			git -C "$WT" checkout -q -f -B series base
			die "patch $p does not apply to the base (tree reset to base)"
		fi
	done
	set_description
	printf '%s %s\n' "$(series_stamp)" "$(git -C "$WT" rev-parse HEAD)" >"$STAMP"
	info "work tree $WT: base + $(git -C "$WT" rev-list --count base..HEAD) patches"
}

# apply_series only runs when the tree is at the base it was made from.
mkdir -p "$BUILD"
want=$(series_stamp)
if [ -f "$STAMP" ]; then
	read -r have head <"$STAMP"
	cur=$(git -C "$WT" rev-parse HEAD)
	dirty=$(git -C "$WT" status --porcelain --untracked-files=no)
	if [ "$cur" != "$head" ] || [ -n "$dirty" ]; then
		if [ "${FORCE:-0}" != 1 ]; then
			[ "$have" = "$want" ] && [ -z "$dirty" ] &&
				die "work tree has commits not exported to patches/: run 'make export' (or FORCE=1 to discard them)"
			die "work tree has unexported work and patches/ differ: export or FORCE=1 make tree"
		fi
	elif [ "$have" = "$want" ] && base_is_pinned; then
		info "work tree is up to date with patches/"
		exit 0
	fi
fi
if ! base_is_pinned; then
	[ -d "$WT/.git" ] && info "the work tree's base is not the pinned $BASE_PKG $BASE_DEB_VERSION: making it anew"
	make_base
fi
apply_series
