#!/usr/bin/env bash
# Runs each fuzz target for a few seconds (FUZZTIME, default 5s). A target that is missing
# fails the run: `go test -fuzz` with no matching target would otherwise pass silently.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-5s}
for target in \
	"./lever FuzzParseAndVerify" \
	"./brighthire FuzzWebhookVerifier" \
	"./config FuzzParse"; do
	set -- $target
	listed=$(go test -list "^$2\$" "$1")
	if ! grep -qx "$2" <<<"$listed"; then
		echo "fuzz target $2 not found in $1" >&2
		exit 1
	fi
	echo "== $2 ($1, $fuzztime)"
	go test -run '^$' -fuzz "^$2\$" -fuzztime "$fuzztime" "$1"
done
