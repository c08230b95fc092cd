#!/usr/bin/env bash
# Step 5 of the end-to-end test, after any failure too: pulumi destroy, then pulumi stack rm.
# Before the destroy it records what Azure keeps soft-deleted after it (key vault, Log Analytics
# and Machine Learning workspaces) for the purge step.
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if [[ ! -f $E2E_DIR/created ]]; then
  notice "no stack was created (the first step stopped before pulumi stack init): nothing to destroy"
  exit 0
fi
login
# What the purge step needs: kind, name, resource id and location of each, one a line. A failure
# here does not hold the destroy back; it fails the step at its end.
recorded=true
if ! pulumi stack export --stack "$STACK" --file "$E2E_DIR/state.json"; then
  error "pulumi stack export --stack $STACK failed (above): the purge step will not know what to purge"
  recorded=false
elif ! python3 - "$E2E_DIR/state.json" >"$E2E_DIR/leftovers.part" <<'PY'; then
import json
import sys

KINDS = {"azure-native:keyvault:Vault": "key-vault",
         "azure-native:operationalinsights:Workspace": "log-analytics",
         "azure-native:machinelearningservices:Workspace": "ml-workspace"}
for resource in json.load(open(sys.argv[1])).get("deployment", {}).get("resources") or []:
    kind, outputs = KINDS.get(resource["type"]), resource.get("outputs") or {}
    if kind and resource.get("id") and not resource.get("delete"):
        print(kind, outputs["name"], resource["id"], outputs["location"], sep="\t")
PY
  error "the state of $STACK could not be read for the purge step (above)"
  recorded=false
else
  mv "$E2E_DIR/leftovers.part" "$E2E_DIR/leftovers.tsv"
fi

# A second try: a delete can fail on something Azure is still doing with the resource.
for try in 1 2; do
  if pulumi destroy --stack "$STACK" --yes --skip-preview --continue-on-error --non-interactive; then
    break
  elif ((try == 2)); then
    fail "pulumi destroy of $STACK failed twice (above): resources are left in Azure and billed; finish with pulumi destroy -s $STACK and pulumi stack rm $STACK, or delete the resource group rg-*-$TOKEN"
  fi
  echo "pulumi destroy failed; trying once more"
done
pulumi stack rm "$STACK" --yes --non-interactive ||
  fail "pulumi stack rm $STACK failed (above): the resources are gone, the empty stack is left in the backend"
echo "stack $STACK destroyed and removed"
$recorded || fail "$STACK is destroyed, but what Azure keeps soft-deleted was not recorded (above): purge it by hand"
