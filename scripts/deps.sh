#!/usr/bin/env bash
# Install the Debian packages the harness needs, if any are missing.
# deps.sh PACKAGE...: also these (make bench: linux-source-6.12, gnuplot).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PACKAGES=(
	linux-source-6.1 build-essential flex bison bc libelf-dev libssl-dev
	cpio kmod rsync python3 ccache sparse qemu-system-x86 busybox-static
	python3-sphinx python3-sphinx-rtd-theme perl git xz-utils shellcheck python3-ply
	gcc-aarch64-linux-gnu qemu-system-arm
	"$@"
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done
[ "$(id -u)" -eq 0 ] && SUDO=() || SUDO=(sudo)
export DEBIAN_FRONTEND=noninteractive

# The arm64 guest's busybox: Debian's busybox-static for arm64, unpacked
# under build/ (not installed: it would replace the host's).
arm64_busybox() {
	local deb dir=$BUILD/deps
	[ -x "$BUSYBOX_ARM64" ] && return 0
	info "fetching busybox-static:arm64"
	dpkg --print-foreign-architectures | grep -qx arm64 || {
		"${SUDO[@]}" dpkg --add-architecture arm64
		"${SUDO[@]}" apt-get update -q || die "apt-get update failed"
	}
	mkdir -p "$dir"
	(cd "$dir" && apt-get download -q busybox-static:arm64 2>/dev/null) ||
		die "apt-get could not download busybox-static:arm64"
	deb=$(ls "$dir"/busybox-static_*_arm64.deb)
	dpkg-deb -x "$deb" "$dir/busybox-arm64"
	[ -x "$BUSYBOX_ARM64" ] || die "no $BUSYBOX_ARM64 in $deb"
}

if [ ${#missing[@]} -eq 0 ]; then
	info "all packages present"
	arm64_busybox
	exit 0
fi

info "installing: ${missing[*]}"
"${SUDO[@]}" apt-get update -q || die "apt-get update failed"
if ! "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; then
	die "apt-get could not install: ${missing[*]}"
fi
for p in "${missing[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' ||
		die "package $p is still missing after apt-get install"
done
[ -f "$BASE_TARBALL" ] || die "$BASE_PKG is installed but $BASE_TARBALL is missing"
arm64_busybox
