#!/usr/bin/env bash
# Install the Debian packages the harness needs, if any are missing, and
# exactly the source package versions pinned in the file pins.
# deps.sh PACKAGE...: also these (make bench: linux-source-6.12, gnuplot).
#
# A pinned package is installed at its pinned version (downgraded if a
# newer one is installed) and its tarball must have the pinned sha256.  If
# the archive no longer offers that version, or the tarball differs, this
# stops before anything is unpacked: only 'make rebase' moves a pin.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PACKAGES=(
	build-essential flex bison bc libelf-dev libssl-dev
	cpio kmod rsync python3 ccache sparse qemu-system-x86 busybox-static
	# make coccicheck; ocamlopt for its OCaml-scripted semantic patches
	coccinelle ocaml-nox
	python3-sphinx python3-sphinx-rtd-theme perl git xz-utils shellcheck python3-ply bash-static
	gcc-aarch64-linux-gnu qemu-system-arm
	# the guest's vfio-msix test program, static, for x86_64 and arm64
	libc6-dev linux-libc-dev libc6-dev-arm64-cross linux-libc-dev-arm64-cross
)
PINNED=("$BASE_PKG")
for p in "$@"; do
	if is_pinned "$p"; then PINNED+=("$p"); else PACKAGES+=("$p"); fi
done

updated=0
apt_update() {
	[ "$updated" = 1 ] && return 0
	"${SUDO[@]}" apt-get update -q >/dev/null || die "apt-get update failed"
	updated=1
}

missing=()
for p in "${PACKAGES[@]}"; do
	[ -n "$(installed_version "$p")" ] || missing+=("$p")
done

# Pinned packages not at their pinned version: the archive must offer it.
# Whenever apt installs anything, the pinned versions are named with it
# (apt may otherwise upgrade a pinned package along with others).
pins=()
for p in "${PINNED[@]}"; do
	want=$(pin_field "$p" version)
	pins+=("$p=$want")
	[ "$(installed_version "$p")" = "$want" ] && continue
	apt_update
	offered=$(archive_versions "$p")
	grep -qxF -- "$want" <<<"$offered" ||
		die "$p is pinned to $want (file pins), which the archive does not offer; it has: $(paste -sd' ' <<<"${offered:-nothing}"). $REBASE_HINT"
	missing+=("$p=$want")
done

# The arm64 guest's busybox: Debian's busybox-static for arm64, unpacked
# under build/ (not installed: it would replace the host's).
arm64_busybox() {
	local deb dir=$BUILD/deps
	[ -x "$BUSYBOX_ARM64" ] && return 0
	info "fetching busybox-static:arm64"
	dpkg --print-foreign-architectures | grep -qx arm64 || {
		"${SUDO[@]}" dpkg --add-architecture arm64
		updated=0
	}
	apt_update
	mkdir -p "$dir"
	(cd "$dir" && apt-get download -q busybox-static:arm64 2>/dev/null) ||
		die "apt-get could not download busybox-static:arm64"
	deb=$(ls "$dir"/busybox-static_*_arm64.deb)
	dpkg-deb -x "$deb" "$dir/busybox-arm64"
	[ -x "$BUSYBOX_ARM64" ] || die "no $BUSYBOX_ARM64 in $deb"
}

if [ ${#missing[@]} -eq 0 ]; then
	info "all packages present"
else
	info "installing: ${missing[*]}"
	apt_update
	"${SUDO[@]}" apt-get install -y -q --no-install-recommends --allow-downgrades \
		"${missing[@]}" "${pins[@]}" ||
		die "apt-get could not install: ${missing[*]}"
	for p in "${PACKAGES[@]}"; do
		[ -n "$(installed_version "$p")" ] || die "package $p is still missing after apt-get install"
	done
fi
for p in "${PINNED[@]}"; do
	verify_pin "$p"
done
arm64_busybox
