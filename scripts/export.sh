#!/usr/bin/env bash
# Write the commits base..HEAD of the work tree back to patches/ in
# git format-patch form, cover letter first.  Reproducible: exporting an
# unchanged tree gives byte-identical files.  With --check, only compare.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_tree

[ -z "$(git -C "$WT" status --porcelain --untracked-files=no)" ] ||
	die "work tree has uncommitted changes; commit them first"
# Debian's top-level .gitignore ignores every new file, and builds go to
# build/out, so any untracked file is a forgotten 'git add -f'.
untracked=$(git -C "$WT" ls-files --others | head -n 5)
[ -z "$untracked" ] ||
	die "untracked files in the work tree (Debian's .gitignore hides them; use git add -f): $untracked"
git -C "$WT" config branch.series.description >/dev/null ||
	die "no cover letter text: git -C $WT branch --edit-description"
n=$(git -C "$WT" rev-list --count base..HEAD)
[ "$n" -gt 0 ] || die "no commits on top of base"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The cover letter carries the committer date: pin it to the newest patch.
GIT_COMMITTER_DATE=$(git -C "$WT" log -1 --format=%aD HEAD) \
	git -C "$WT" -c core.abbrev=12 format-patch -q --zero-commit --no-signature --cover-letter \
	--cover-from-description=subject --base=base -o "$tmp" base..HEAD

# The exported patches in order, without the cover letter.
patch_names() {
	local f
	for f in "$tmp"/*.patch; do
		f=${f##*/}
		[ "$f" = 0000-cover-letter.patch ] || echo "$f"
	done
}

if [ "${1:-}" = --check ]; then
	# Does patches/ hold exactly what exporting the applied tree gives?
	patch_names >"$tmp/names"
	if diff -u <(grep -v '^#' "$ROOT/patches/series") "$tmp/names" &&
		diff -ru -x names -x series "$ROOT/patches" "$tmp"; then
		exit 0
	fi
	die "patches/ differ from a fresh export of the work tree"
fi

rm -f "$ROOT"/patches/*.patch
cp "$tmp"/*.patch "$ROOT/patches/"
{
	echo "# Applied in order by scripts/tree.sh; 0000-cover-letter.patch is the cover letter."
	patch_names
} >"$ROOT/patches/series"

# The tree now matches patches/: record it so 'make tree' keeps it.
printf '%s %s\n' "$(series_stamp)" "$(git -C "$WT" rev-parse HEAD)" >"$WT/.git/msi-series-stamp"
info "exported $n patches to patches/"
