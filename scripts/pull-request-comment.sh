#!/usr/bin/env bash
# The pull-request comment of a promotion, on standard output: for each line `stack from to` of CHANGED (what
# `npm run changed-stacks` prints), the offline promotion plan (`npm run plan`) and the real engine's
# `pulumi preview --diff` of that stack with the policy pack. Run by .github/workflows/pull-request.yml; it needs
# `pulumi` on PATH and the stacks' backend (PULUMI_BACKEND_URL) and passphrase, like any preview.
#
#   scripts/pull-request-comment.sh CHANGED > comment.md
set -euo pipefail
cd "$(dirname "$0")/.."

changed=${1:?usage: scripts/pull-request-comment.sh CHANGED (the output of npm run changed-stacks)}
# A comment holds 65,536 characters: each preview keeps its last lines (the summary and the policy verdicts are
# there); the job log keeps all of it.
preview_lines=${PREVIEW_LINES:-400}

while read -r stack from to; do
  [ -n "$stack" ] || continue
  echo "## Stack \`$stack\`: phase $from -> $to"
  echo
  npm run --silent plan -- --from "$from" --to "$to" --stack "$stack"
  echo
  echo "<details><summary><code>pulumi preview --diff</code> of <code>$stack</code></summary>"
  echo
  echo '```diff'
  if ! pulumi preview --diff --stack "$stack" --policy-pack policy/pack --non-interactive --color never >"${TMPDIR:-/tmp}/preview-$stack.txt" 2>&1; then
    echo "(the preview failed: its last lines follow, the job log has all of them)"
  fi
  tail -n "$preview_lines" "${TMPDIR:-/tmp}/preview-$stack.txt"
  rm -f "${TMPDIR:-/tmp}/preview-$stack.txt"
  echo '```'
  echo '</details>'
  echo
done <"$changed"
