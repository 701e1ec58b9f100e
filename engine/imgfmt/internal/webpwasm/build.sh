#!/bin/sh
# Rebuilds webp.wasm.gz: Debian's libwebp source package compiled to
# wasm32-wasi with clang, with libwebp's SSE2 and SSE4.1 code paths
# translated to WebAssembly SIMD128 by SIMDe (see FORK.md).
#
#   sh build.sh [LIBWEBP_SRC_DIR] [OUT] [simd|plain]
#
# LIBWEBP_SRC_DIR defaults to a fresh `apt-get source` of the package named
# below (deb-src lines needed); OUT defaults to ./webp.wasm.gz; "plain" builds
# the same source without the SIMD paths (plain C, libwebp's generic code),
# the build the SIMD one is checked against. EXTRA_CFLAGS and EXTRA_LDFLAGS
# are added to the compile and link lines, for building variants to
# measure (TestWebPModulesInterleaved in imgfmt). Needs Debian bookworm's
# clang-14, lld-14, wasi-libc, libclang-rt-14-dev-wasm32 and libsimde-dev
# (and dpkg-dev for apt-get source):
#
#   apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32 libsimde-dev dpkg-dev
#
# With those package versions the output is byte-identical to the committed
# module (build.sh prints its SHA-256; webpwasm.go records it).
set -eu

DEB_PKG=libwebp=1.2.4-0.2+deb12u1
here=$(cd "$(dirname "$0")" && pwd)
src=${1:-}
out=${2:-$here/webp.wasm.gz}
mode=${3:-simd}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -z "$src" ]; then
	(cd "$work" && apt-get source -qq "$DEB_PKG" >/dev/null)
	src=$(echo "$work"/libwebp-1.2.4)
fi
test -f "$src/src/webp/encode.h"

CC=${CC:-clang-14}
# -flto: the objects are LLVM bitcode and wasm-ld optimises them as one
# (--lto-O3 below), so calls across libwebp's files (VP8PutBit from the
# token writer, the dsp function bodies from their callers) can be inlined;
# a call costs wazero more than a native call (it reloads the memory base
# and size after every call). -mbulk-memory: memcpy/memset become
# memory.copy/memory.fill, which wazero runs as native copies;
# -msign-ext: i32.extend8_s/16_s instead of shift pairs (both WebAssembly
# 2.0, which wazero enables by default; 2-3% together, docs/benchmarks.md).
feat="-msimd128 -mnontrapping-fptoint -mbulk-memory -msign-ext"
cflags="--target=wasm32-wasi -O3 -flto -DNDEBUG $feat ${EXTRA_CFLAGS:-}
	-ffile-prefix-map=$src=libwebp -ffile-prefix-map=$here=webpwasm
	-I$src -I$src/src -Wall -Wno-unused-function"

simd=""
if [ "$mode" = simd ]; then
	# libwebp's x86 code includes <emmintrin.h> and <smmintrin.h>; both
	# are simde_wasm.h: SIMDe's portable intrinsics (WebAssembly SIMD128
	# under -msimd128) plus the few SIMDe 0.7.4 only has as scalar loops.
	mkdir -p "$work/shim"
	cp "$here/simde_wasm.h" "$work/shim/emmintrin.h"
	cp "$here/simde_wasm.h" "$work/shim/smmintrin.h"
	simd="-I$work/shim -DWEBP_USE_SSE2 -DWEBP_HAVE_SSE2 -DWEBP_USE_SSE41 -DWEBP_HAVE_SSE41"
elif [ "$mode" != plain ]; then
	echo "build.sh: mode is simd or plain, not $mode" >&2
	exit 2
fi

objs=""
for f in "$src"/src/dec/*.c "$src"/src/enc/*.c "$src"/src/dsp/*.c \
	"$src"/src/utils/*.c "$src"/src/demux/*.c "$src"/sharpyuv/*.c "$here/webp.c.txt"; do
	o="$work/$(echo "${f#"$src"/}" | tr / _).o"
	extra=""
	case "$f" in
	# cpu.c answers libwebp's run-time CPU check for WebAssembly only under
	# EMSCRIPTEN, from the WEBP_HAVE_* flags (SIMD128 is fixed at compile
	# time); without it VP8GetCPUInfo is NULL and only plain C runs.
	*/src/dsp/cpu.c) [ -n "$simd" ] && extra="-DEMSCRIPTEN" ;;
	*/webp.c.txt) extra="-x c" ;;
	esac
	# shellcheck disable=SC2086
	$CC $cflags $simd $extra -c "$f" -o "$o"
	objs="$objs $o"
done

# No -O on the link line (LTO's level is --lto-O3): with an -O
# clang's wasm driver runs binaryen's wasm-opt on the module whenever one
# is installed, so the output would depend on whether binaryen is there.
# shellcheck disable=SC2086
$CC --target=wasm32-wasi -flto -Wl,--lto-O3 $feat ${EXTRA_LDFLAGS:-} -mexec-model=reactor -Wl,--no-entry \
	-Wl,--export=malloc -Wl,--export=free -Wl,--export=decode -Wl,--export=encode \
	-Wl,--strip-debug -o "$work/webp.wasm" $objs
gzip -9 -n -c "$work/webp.wasm" >"$out"
sha256sum "$out"
