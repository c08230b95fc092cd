#!/usr/bin/env bash
# Step 4 of the end-to-end test: one day-2 change of the day-2 plan's scenarios, "deployments: []"
# (README "What each change does in Azure"; tests/stack/test_day2.py, turning the deployment off):
# the endpoint's writer moves the traffic away, then the deployment is deleted. The offline day-2
# plan of the change must be clean before pulumi up applies it; then the stack's outputs and Azure
# itself must show no traffic and no deployment.
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

login
# What is deployed, as the offline tools see it: the base of the day-2 plan.
"$PYTHON" -m offline "$STACK" --json "$E2E_DIR/before-day2.json" >"$E2E_DIR/before-day2.txt" ||
  fail "the offline preview of $STACK failed: python -m offline $STACK ($E2E_DIR/before-day2.txt)"
endpoint=$(pulumi config get --path 'onlineEndpoints[0].name' --stack "$STACK") ||
  fail "pulumi config get --path onlineEndpoints[0].name --stack $STACK failed (above)"
[[ $endpoint == score ]] ||
  fail "the first endpoint of Pulumi.dev.yaml is $endpoint, not score: the day-2 change turns the deployments of score off"
# No deployments key: the endpoint's default, no deployments.
pulumi config rm --path 'onlineEndpoints[0].deployments' --stack "$STACK" ||
  fail "pulumi config rm --path onlineEndpoints[0].deployments --stack $STACK failed (above)"
"$PYTHON" -m offline.plan "$E2E_DIR/before-day2.json" "$STACK" ||
  fail "the day-2 plan of turning the deployments off is not clean (above): nothing was applied"

up_with_policy_pack ||
  fail "pulumi up of the day-2 change (the deployments of score off) failed on $STACK (above)"

save_outputs
outputs="$E2E_DIR/outputs.json"
traffic=$(json_get "$outputs" onlineEndpoints score traffic) || fail "no output onlineEndpoints.score.traffic"
deployments=$(json_get "$outputs" onlineEndpoints score deployments) || fail "no output onlineEndpoints.score.deployments"
[[ $traffic == "{}" && $deployments == "[]" ]] ||
  fail "after the day-2 change the outputs still show traffic $traffic and deployments $deployments of endpoint score"

# What Azure itself holds: the endpoint routes nothing and has no deployment left.
base="https://management.azure.com/subscriptions/$(json_get "$outputs" subscriptionId)"
base+="/resourceGroups/$(json_get "$outputs" resourceGroupName)"
base+="/providers/Microsoft.MachineLearningServices/workspaces/$(json_get "$outputs" workspaceName)"
base+="/onlineEndpoints/$(json_get "$outputs" onlineEndpoints score name)"
az rest --method get --url "$base?api-version=$ML_API" >"$E2E_DIR/endpoint.json" ||
  fail "az rest GET of the endpoint failed (above)"
az rest --method get --url "$base/deployments?api-version=$ML_API" >"$E2E_DIR/deployments.json" ||
  fail "az rest GET of the endpoint's deployments failed (above)"
routed=$(python3 -c 'import json, sys; t = json.load(open(sys.argv[1]))["properties"].get("traffic") or {}
print(json.dumps({k: v for k, v in t.items() if v}))' "$E2E_DIR/endpoint.json")
left=$(python3 -c 'import json, sys; print(json.dumps([d["name"] for d in json.load(open(sys.argv[1]))["value"]]))' \
  "$E2E_DIR/deployments.json")
[[ $routed == "{}" && $left == "[]" ]] ||
  fail "Azure disagrees with the stack after the day-2 change: the endpoint routes $routed and still has deployments $left"
echo "day-2 change applied: endpoint score routes nothing and has no deployment, in the outputs and in Azure"
