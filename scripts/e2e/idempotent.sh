#!/usr/bin/env bash
# Steps 2 and 4: a second preview must propose no change at all (idempotency); on a change it
# prints the diff and fails. $1 says when, e.g. "after the first pulumi up".
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

when=${1:?say when this preview runs, e.g. "after the first pulumi up"}
login
preview="$E2E_DIR/preview.txt"
if pulumi preview --stack "$STACK" --expect-no-changes --diff --non-interactive 2>&1 | tee "$preview"; then
  echo "no changes $when: the stack converged"
elif grep -q "no changes were expected" "$preview"; then
  # pulumi's own wording for --expect-no-changes (pkg/backend/backenderr/backenderr.go)
  fail "pulumi preview $when proposes changes to $STACK (the diff is above): the next pulumi up would change what this one made; look for a value the program computes differently on every run, or an input the provider reads back differently"
else
  fail "pulumi preview of $STACK $when failed before it could compare (above)"
fi
