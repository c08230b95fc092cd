# shellcheck shell=bash disable=SC2034  # what it sets is for the scripts that source it
# What every step of the end-to-end test on real Azure shares (.github/workflows/e2e.yml; README
# "The end-to-end test on real Azure"). Sourced by the step scripts, which run from the project
# folder; tests/tools/test_e2e.py runs them with fake pulumi, az and curl.

set -euo pipefail

RUN_ID=${GITHUB_RUN_ID:?GITHUB_RUN_ID is not set: the end-to-end test runs in GitHub Actions}
ATTEMPT=${GITHUB_RUN_ATTEMPT:-1}
# A throwaway stack made from dev, new for every run and every re-run of it, so that a run never
# meets the resources or the state another run left behind.
STACK="e2e-$RUN_ID-$ATTEMPT"
E2E_DIR=${E2E_DIR:-${RUNNER_TEMP:-/tmp}/$STACK}  # what one step hands to the next
PYTHON=${E2E_PYTHON:-.venv/bin/python}           # the project's environment (uv sync)
SCORE=samples/score                              # the sample the dev endpoint serves
ML_API=2024-10-01
# Microsoft.MachineLearningServices API version of the REST calls below (stable; its
# Workspaces_Delete takes forceToPurge: azure-rest-api-specs, stable/2024-10-01/workspaceRP.json).
mkdir -p "$E2E_DIR"

# The environment token of every Azure name the stack makes (rg-mlplat-<token>, ...): "e" and
# seven base-36 digits of the run id and attempt, so 2-8 lowercase letters and digits starting
# with a letter, as stack/settings.py requires, and different for every run and re-run.
environment_token() {
  local digits=0123456789abcdefghijklmnopqrstuvwxyz token="" n i
  n=$(((RUN_ID * 100 + ATTEMPT) % (36 ** 7)))
  for ((i = 0; i < 7; i++)); do
    token="${digits:n % 36:1}$token"
    n=$((n / 36))
  done
  echo "e$token"
}
TOKEN=$(environment_token)

# GitHub workflow commands: an annotation on the run's summary page.
error() { echo "::error::$*"; }
notice() { echo "::notice::$*"; }
fail() {
  error "$@"
  exit 1
}

# The state backend pulumi.yml uses: PULUMI_BACKEND_URL, or the Pulumi Cloud (PULUMI_ACCESS_TOKEN).
login() {
  pulumi login ${PULUMI_BACKEND_URL:+"$PULUMI_BACKEND_URL"} ||
    fail "pulumi login failed: check the repository variable PULUMI_BACKEND_URL, or the secret PULUMI_ACCESS_TOKEN"
}

# The stack's outputs, saved to $E2E_DIR/outputs.json.
save_outputs() {
  pulumi stack output --json --stack "$STACK" >"$E2E_DIR/outputs.json" ||
    fail "pulumi stack output --stack $STACK failed (above)"
}

# json_get FILE KEY...: the value at KEY... in the JSON document FILE; a string as it is, anything
# else as JSON. Fails (status 1) when a key is missing.
json_get() {
  python3 - "$@" <<'PY'
import json
import sys

value = json.load(open(sys.argv[1]))
try:
    for key in sys.argv[2:]:
        value = value[key]
except (KeyError, IndexError, TypeError):
    sys.exit(f"{sys.argv[1]} has no {'.'.join(sys.argv[2:])}")
print(value if isinstance(value, str) else json.dumps(value, sort_keys=True))
PY
}

# pulumi up of the stack with the policy pack, its config from the stack's own settings, as
# pulumi.yml does it.
up_with_policy_pack() {
  "$PYTHON" -m offline.policy_check "$STACK" >"$E2E_DIR/pack-config.json" ||
    fail "the policy pack config of $STACK could not be made: python -m offline.policy_check $STACK (above)"
  pulumi up --stack "$STACK" --yes --skip-preview --non-interactive \
    --policy-pack policy --policy-pack-config "$E2E_DIR/pack-config.json"
}
