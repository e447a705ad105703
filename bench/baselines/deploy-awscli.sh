#!/bin/bash
# AWS CLI v2 baseline (benchmark 1): the safe update of one function, one `aws` process per call.
#   deploy-awscli.sh FUNCTION ALIAS BUCKET KEY [TIMING_FILE]
# Endpoint: $BENCH_ENDPOINT (ferry sandbox, or the trace proxy in front of it); credentials from
# the environment. Sequence: get-function (RevisionId), update-function-code from S3 guarded by
# that RevisionId, wait function-updated-v2, publish-version guarded by the new CodeSha256,
# update-alias. With TIMING_FILE, appends {"tool","start","end","version"} (epoch seconds).
set -euo pipefail
if [[ $# -lt 4 ]]; then
  echo "usage: $0 FUNCTION ALIAS BUCKET KEY [TIMING_FILE]" >&2
  exit 2
fi
fn=$1 alias=$2 bucket=$3 key=$4 timing=${5:-}
aws=(/usr/bin/aws --endpoint-url "${BENCH_ENDPOINT:?set BENCH_ENDPOINT}" --output text)
start=$(date +%s.%N)
revision=$("${aws[@]}" lambda get-function --function-name "$fn" \
  --query Configuration.RevisionId)
sha=$("${aws[@]}" lambda update-function-code --function-name "$fn" --s3-bucket "$bucket" \
  --s3-key "$key" --revision-id "$revision" --query CodeSha256)
"${aws[@]}" lambda wait function-updated-v2 --function-name "$fn"
version=$("${aws[@]}" lambda publish-version --function-name "$fn" --code-sha256 "$sha" \
  --query Version)
"${aws[@]}" lambda update-alias --function-name "$fn" --name "$alias" \
  --function-version "$version" >/dev/null
end=$(date +%s.%N)
if [[ -n "$timing" ]]; then
  printf '{"tool":"awscli","start":%s,"end":%s,"version":"%s"}\n' "$start" "$end" "$version" \
    >>"$timing"
fi
