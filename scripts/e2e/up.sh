#!/usr/bin/env bash
# Step 1 of the end-to-end test: a throwaway stack made from dev goes up, with the policy pack.
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

login
[[ -f Pulumi.dev.yaml ]] || fail "Pulumi.dev.yaml is missing: the end-to-end stack is made from dev's config"
# dev's config, without dev's secrets provider settings: the new stack gets its own.
grep -vE '^(secretsprovider|encryptedkey|encryptionsalt):' Pulumi.dev.yaml >"Pulumi.$STACK.yaml"
pulumi stack init "$STACK" --non-interactive ||
  fail "pulumi stack init $STACK failed (above): check the state backend (PULUMI_BACKEND_URL, PULUMI_ACCESS_TOKEN or PULUMI_CONFIG_PASSPHRASE)"
touch "$E2E_DIR/created" # the destroy step's cue: there is a stack to destroy
pulumi config set environment "$TOKEN" --stack "$STACK" --non-interactive ||
  fail "pulumi config set environment $TOKEN --stack $STACK failed (above)"
echo "stack $STACK: dev's config, environment token $TOKEN in every Azure name"

up_with_policy_pack ||
  fail "pulumi up of $STACK failed (above): check the error and the identity's roles (make deployer STACK=dev ASSIGNEE=<object id>); the destroy and purge steps still run"
