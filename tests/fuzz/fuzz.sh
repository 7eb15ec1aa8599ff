#!/bin/sh
# tests/fuzz/fuzz.sh -- build and run the libFuzzer targets.
#
#   sh tests/fuzz/fuzz.sh build          build every target (clang)
#   sh tests/fuzz/fuzz.sh corpus         each target once over its seed
#                                        corpus (CI: regressions fail)
#   sh tests/fuzz/fuzz.sh run SECONDS [NAME...]
#                                        fuzz each target (or those named)
#                                        for SECONDS, one after another
#
# A target is tests/fuzz/NAME_fuzz.c defining LLVMFuzzerTestOneInput;
# its seed corpus is tests/fuzz/corpus/NAME/.  Every target links the
# project's libraries, built apart from the gcc build in _fuzz/ with
# -fsanitize=fuzzer-no-link,address,undefined (PITFALLS.md).  Inputs
# that make a target crash are written to _fuzz/crashes/NAME/.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$PWD/_fuzz}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

targets() {
	for f in "$here"/*_fuzz.c; do
		[ -e "$f" ] || continue
		basename "$f" _fuzz.c
	done
}

# The project's library sources: every layer, and what src/ shares
# with the programs (the configuration parser, the control protocol),
# but no main().
lib_sources() {
	for d in proto resolver router diag; do
		ls "$top/$d"/*.c
	done
	echo "$top/src/conf.c" "$top/src/textfile.c" "$top/src/zonefile.c" \
	    "$top/src/ctlproto.c"
}

do_build() {
	command -v clang >/dev/null 2>&1 || {
		echo "fuzz.sh: clang not found: install the Debian package clang" >&2
		exit 1
	}
	mkdir -p "$build/obj"
	# config.h: the tree's own when it is configured in place, else
	# one made by configure in a directory of our own.
	if [ -f "$top/config.h" ]; then
		cfgdir=$top
	else
		cfgdir=$build/cfg
		if [ ! -f "$cfgdir/config.h" ]; then
			mkdir -p "$cfgdir"
			(cd "$cfgdir" && "$top/configure" -q)
		fi
	fi
	pkgs="libunbound ldns libevent openssl"
	if pkg-config --exists expat; then
		pkgs="$pkgs expat"
	fi
	incs="-I$cfgdir"
	for d in proto resolver router diag src; do
		incs="$incs -I$top/$d"
	done
	incs="$incs $(pkg-config --cflags $pkgs)"
	cflags="-g -O1 -fno-omit-frame-pointer $SAN -DHAVE_CONFIG_H $incs"
	# Objects are rebuilt every time: a stale one would fuzz old code.
	rm -f "$build"/obj/*.o
	lib_sources | tr ' ' '\n' | grep . |
	    xargs -P "$(nproc)" -I{} sh -c \
	    'clang -c -fsanitize=fuzzer-no-link '"$cflags"' -o "$1/obj/$(basename "$(dirname "$2")")_$(basename "$2" .c).o" "$2"' \
	    sh "$build" {}
	# libunbound is built on libevent and Debian's libev imitates
	# libevent: libevent must be needed, and come first (PITFALLS.md).
	libs="-Wl,--no-as-needed $(pkg-config --libs $pkgs) -lev -lm"
	for t in $(targets); do
		# shellcheck disable=SC2086
		clang -fsanitize=fuzzer $cflags -o "$build/${t}_fuzz" \
		    "$here/${t}_fuzz.c" "$build"/obj/*.o $libs
	done
}

# corpus_dir NAME: the seeds, copied so that fuzzing never writes into
# the source tree.
corpus_dir() {
	w="$build/corpus/$1"
	mkdir -p "$w" "$build/crashes/$1"
	if [ -d "$here/corpus/$1" ]; then
		cp -p "$here/corpus/$1"/* "$w"/ 2>/dev/null || true
	fi
	echo "$w"
}

case ${1:-} in
build)
	do_build
	;;
corpus)
	do_build
	n=0
	for t in $(targets); do
		echo "fuzz: $t over its seed corpus"
		"$build/${t}_fuzz" -runs=0 "$(corpus_dir "$t")" \
		    >"$build/$t.corpus.log" 2>&1 || {
			tail -n 40 "$build/$t.corpus.log" >&2
			echo "fuzz: $t FAILED on its corpus" >&2
			exit 1
		}
		n=$((n + 1))
	done
	echo "fuzz: $n passed, 0 failed"
	;;
run)
	[ $# -ge 2 ] || { echo "usage: fuzz.sh run SECONDS [NAME...]" >&2; exit 64; }
	secs=$2
	shift 2
	do_build
	list=${*:-$(targets)}
	for t in $list; do
		echo "fuzz: $t for ${secs}s"
		"$build/${t}_fuzz" -max_total_time="$secs" -print_final_stats=1 \
		    -artifact_prefix="$build/crashes/$t/" \
		    "$(corpus_dir "$t")" 2>&1 | tail -n 12
	done
	;;
*)
	echo "usage: fuzz.sh build | corpus | run SECONDS [NAME...]" >&2
	exit 64
	;;
esac
