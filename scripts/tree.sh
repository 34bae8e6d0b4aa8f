#!/usr/bin/env bash
# Build the git work tree: the base (Debian's linux-source-6.1) as one
# commit tagged 'base', then one commit per patch of patches/series.
#
# The tree is only rebuilt when patches/ changed since it was applied.  If
# it holds commits or edits that were not exported, it is left alone
# (FORCE=1 discards them).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

STAMP=$WT/.git/msi-series-stamp

make_base() {
	local tmp=$BUILD/linux.unpack
	[ -f "$BASE_TARBALL" ] || die "$BASE_TARBALL not found (run 'make deps')"
	rm -rf "$tmp"
	mkdir -p "$tmp"
	info "unpacking $BASE_TARBALL"
	tar -C "$tmp" --strip-components=1 -xf "$BASE_TARBALL"
	local ver
	ver=$(make -s -C "$tmp" kernelversion)
	[ "$ver" = "$BASE_VERSION" ] ||
		info "warning: base is $ver, the series was developed against $BASE_VERSION"
	info "committing the base ($ver)"
	git -C "$tmp" init -q -b series
	git -C "$tmp" config user.name "$TEAM_NAME"
	git -C "$tmp" config user.email "$TEAM_EMAIL"
	git -C "$tmp" config core.autocrlf false
	git -C "$tmp" add -A -f .
	GIT_AUTHOR_DATE=$FIXED_DATE GIT_COMMITTER_DATE=$FIXED_DATE \
		git -C "$tmp" commit -q -m "Linux $ver (Debian $BASE_PKG)"
	git -C "$tmp" tag base
	rm -rf "$WT"
	mv "$tmp" "$WT"
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
	rm -f "$STAMP"
	for p in $(series_patches); do
		if ! git -C "$WT" am -q --committer-date-is-author-date "$ROOT/patches/$p" >"$BUILD/am.log" 2>&1; then
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

mkdir -p "$BUILD"
[ -d "$WT/.git" ] || make_base

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
	elif [ "$have" = "$want" ]; then
		info "work tree is up to date with patches/"
		exit 0
	fi
fi
apply_series
