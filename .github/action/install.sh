#!/usr/bin/env bash
# Installs imgpar for the GitHub Action (action.yml): a release archive for
# the runner's OS and arch, verified against the release's checksums.txt;
# or `go install ...@main`; or a build of the action's own checkout.
#
# Inputs (environment): INPUT_VERSION (vX.Y.Z, latest, main, source),
# INPUT_TOKEN (GitHub API token, for "latest"), IMGPAR_DOWNLOAD_URL (the
# releases URL, default https://github.com/imgpar/imgpar/releases; a mirror,
# GitHub Enterprise, or a file:// folder in tests). Writes the binary's
# folder to $GITHUB_PATH and path=... to $GITHUB_OUTPUT.
set -euo pipefail

die() { echo "::error::imgpar install: $*" >&2; exit 1; }

version=${INPUT_VERSION:-latest}
base=${IMGPAR_DOWNLOAD_URL:-https://github.com/imgpar/imgpar/releases}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dest=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/imgpar-bin.XXXXXX")
exe=imgpar
case "${RUNNER_OS:-$(uname -s)}" in
Linux) os=linux ;;
macOS | Darwin) os=darwin ;;
Windows | MINGW* | MSYS* | CYGWIN*) os=windows exe=imgpar.exe ;;
*) die "unsupported runner OS ${RUNNER_OS:-$(uname -s)}" ;;
esac
case "${RUNNER_ARCH:-$(uname -m)}" in
X64 | x86_64 | amd64) arch=amd64 ;;
ARM64 | aarch64 | arm64) arch=arm64 ;;
*) die "unsupported runner architecture ${RUNNER_ARCH:-$(uname -m)}" ;;
esac

sha256() {
	if command -v sha256sum >/dev/null; then sha256sum "$1"; else shasum -a 256 "$1"; fi | cut -d' ' -f1
}

case $version in
source)
	command -v go >/dev/null || die "version: source needs Go on the runner (actions/setup-go)"
	(cd "$here" && CGO_ENABLED=0 go build -trimpath -tags nodynamic -o "$dest/$exe" .)
	;;
main)
	command -v go >/dev/null || die "version: main needs Go on the runner (actions/setup-go)"
	CGO_ENABLED=0 GOBIN=$dest go install -trimpath -tags nodynamic github.com/imgpar/imgpar@main
	;;
*)
	tag=$version
	if [ "$tag" = latest ]; then
		api=${IMGPAR_API_URL:-https://api.github.com/repos/imgpar/imgpar/releases/latest}
		auth=()
		[ -n "${INPUT_TOKEN:-}" ] && auth=(-H "Authorization: Bearer $INPUT_TOKEN")
		tag=$(curl -fsSL "${auth[@]}" "$api" | sed -n 's/^ *"tag_name": *"\([^"]*\)".*/\1/p' | head -1) ||
			die "cannot find the latest release at $api"
		[ -n "$tag" ] || die "cannot find the latest release at $api"
	fi
	case $tag in v[0-9]*) ;; *) die "version must be vX.Y.Z, latest, main or source, not \"$tag\"" ;; esac
	ext=tar.gz
	[ "$os" = windows ] && ext=zip
	name="imgpar_${tag#v}_${os}_${arch}.$ext"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	curl -fsSL -o "$tmp/checksums.txt" "$base/download/$tag/checksums.txt" || die "cannot download checksums.txt of $tag"
	curl -fsSL -o "$tmp/$name" "$base/download/$tag/$name" || die "cannot download $name of $tag"
	want=$(awk -v n="$name" '$2 == n || $2 == "*" n { print $1 }' "$tmp/checksums.txt")
	[ -n "$want" ] || die "$name is not in the checksums.txt of $tag"
	got=$(sha256 "$tmp/$name")
	[ "$got" = "$want" ] || die "$name: sha256 $got does not match checksums.txt ($want)"
	case $ext in
	zip) unzip -q -o "$tmp/$name" "$exe" -d "$dest" ;;
	*) tar -xzf "$tmp/$name" -C "$dest" "$exe" ;;
	esac
	;;
esac

[ -x "$dest/$exe" ] || die "no $exe after install"
"$dest/$exe" --version
echo "$dest" >>"${GITHUB_PATH:-/dev/null}"
echo "path=$dest/$exe" >>"${GITHUB_OUTPUT:-/dev/null}"
