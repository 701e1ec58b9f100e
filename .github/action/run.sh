#!/usr/bin/env bash
# Runs imgpar process for the GitHub Action (action.yml) and turns its JSON
# report into step outputs ($GITHUB_OUTPUT) and a Markdown job summary
# ($GITHUB_STEP_SUMMARY), both made by `imgpar report`.
#
# Inputs (environment): IMGPAR_BIN (default imgpar on PATH), INPUT_PATHS,
# INPUT_OUT, INPUT_ARGS (split like a shell would, quotes respected, never
# evaluated), INPUT_FAIL_ON_ERROR (true/false), INPUT_REPORT.
set -uo pipefail

bin=${IMGPAR_BIN:-imgpar}
report=${INPUT_REPORT:-}
[ -n "$report" ] || report=$(mktemp "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/imgpar-report.XXXXXX").json
out=${GITHUB_OUTPUT:-/dev/null}
summary=${GITHUB_STEP_SUMMARY:-/dev/null}

# Words as a shell splits them, with quotes, but without running anything.
split() {
	[ -n "$1" ] || return 0
	printf '%s\n' "$1" | xargs printf '%s\0'
}
paths=() extra=()
while IFS= read -r -d '' w; do [ -n "$w" ] && paths+=("$w"); done < <(split "${INPUT_PATHS:-.}")
while IFS= read -r -d '' w; do [ -n "$w" ] && extra+=("$w"); done < <(split "${INPUT_ARGS:-}")
[ "${#paths[@]}" -gt 0 ] || paths=(.)

rm -f "$report"
"$bin" process "${paths[@]}" -o "${INPUT_OUT:-processed}" --progress plain --report "$report" "${extra[@]}"
code=$?

echo "exit-code=$code" >>"$out"
echo "report=$report" >>"$out"
if [ -s "$report" ]; then
	"$bin" report counts "$report" >>"$out"
	"$bin" report markdown "$report" >>"$summary"
fi

case $code in
0) exit 0 ;;
1)
	if [ "${INPUT_FAIL_ON_ERROR:-true}" = false ]; then
		echo "::warning::imgpar: some files failed (see the job summary)"
		exit 0
	fi
	echo "::error::imgpar: some files failed (see the job summary)"
	exit 1
	;;
*)
	echo "::error::imgpar exited $code"
	exit "$code"
	;;
esac
