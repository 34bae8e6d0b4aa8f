#!/usr/bin/env bash
# Write the commits base..HEAD of the work tree back to patches/ in
# git format-patch form, cover letter first.  Reproducible: exporting an
# unchanged tree gives byte-identical files.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_tree

[ -z "$(git -C "$WT" status --porcelain --untracked-files=no)" ] ||
	die "work tree has uncommitted changes; commit them first"
git -C "$WT" config branch.series.description >/dev/null ||
	die "no cover letter text: git -C $WT branch --edit-description"
n=$(git -C "$WT" rev-list --count base..HEAD)
[ "$n" -gt 0 ] || die "no commits on top of base"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The cover letter carries the committer date: pin it to the newest patch.
GIT_COMMITTER_DATE=$(git -C "$WT" log -1 --format=%aD HEAD) \
	git -C "$WT" format-patch -q --zero-commit --no-signature --cover-letter \
	--cover-from-description=subject --base=base -o "$tmp" base..HEAD

rm -f "$ROOT"/patches/*.patch
cp "$tmp"/*.patch "$ROOT/patches/"
{
	echo "# Applied in order by scripts/tree.sh; 0000-cover-letter.patch is the cover letter."
	(cd "$tmp" && ls -- *.patch | grep -v '^0000-cover-letter.patch$')
} >"$ROOT/patches/series"

# The tree now matches patches/: record it so 'make tree' keeps it.
printf '%s %s\n' "$(series_stamp)" "$(git -C "$WT" rev-parse HEAD)" >"$WT/.git/msi-series-stamp"
info "exported $n patches to patches/"
