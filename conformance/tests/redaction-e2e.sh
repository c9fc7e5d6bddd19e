#!/usr/bin/env bash
# End to end: `mqttspec run -u/-P` against a local mosquitto (which accepts any credentials), with cases
# that fail (no profile, so mosquitto's known deviations are failures). The password must be in no output
# (console with -v, --json, --junit, --html), and in all of them with --show-secrets.
#
#   conformance/tests/redaction-e2e.sh path/to/mqttspec
set -euo pipefail
bin=${1:?usage: redaction-e2e.sh path/to/mqttspec}
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/mqttspec-redaction.XXXXXX")
trap 'rm -rf "$dir"' EXIT
secret="e2e-S3cret-$$-pw"

run() {  # run NAME [extra options]
  local name=$1; shift
  MQTTSPEC_BIN=$bin "$root/ci/run-suite" -u e2e-user -P "$secret" --profile "$root/fixtures/profiles/default.json" \
    -V 3.1.1 --filter 'v311/malformed/p*' -j 2 -v --json "$dir/$name.json" --junit "$dir/$name.xml" \
    --html "$dir/$name.html" "$@" >"$dir/$name.console" 2>&1 || true
  local failed
  failed=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["failed"])' "$dir/$name.json")
  if [ "$failed" -eq 0 ]; then
    echo "redaction-e2e: no case failed, so no transcript was checked" >&2
    cat "$dir/$name.console" >&2
    exit 1
  fi
}

status=0
run redacted
for f in "$dir"/redacted.*; do
  if grep -qF -- "$secret" "$f"; then
    echo "redaction-e2e: the password is in $(basename "$f"):" >&2
    grep -nF -- "$secret" "$f" | head -3 >&2
    status=1
  fi
done
grep -qF '<redacted, ' "$dir/redacted.json" || { echo "redaction-e2e: no redacted CONNECT in the JSON report" >&2; status=1; }
grep -qF 'e2e-user:<redacted>@' "$dir/redacted.console" || { echo "redaction-e2e: the console does not show the redacted URL" >&2; status=1; }

run shown --show-secrets
for f in "$dir"/shown.*; do
  grep -qF -- "$secret" "$f" || { echo "redaction-e2e: --show-secrets, but the password is not in $(basename "$f")" >&2; status=1; }
done
[ $status -eq 0 ] && echo "redaction-e2e: ok (password absent from console/JSON/JUnit/HTML; present with --show-secrets)"
exit $status
