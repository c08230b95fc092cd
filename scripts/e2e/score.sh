#!/usr/bin/env bash
# Step 3 of the end-to-end test: the sample endpoint scores the sample request, called as the CI
# identity with an Entra token (the dev endpoint's auth mode is AADToken), and answers exactly the
# sample response (samples/score/request.json, response.json; the sample's tests check the pair).
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Waits between attempts, in seconds: a new endpoint can answer 404 or 502 until its traffic
# routes, and 401 or 403 until a role assignment takes effect ("up to 10 minutes", Azure RBAC
# troubleshooting). About 8 minutes in all.
read -ra delays <<<"${E2E_SCORE_DELAYS:-15 30 60 60 90 90 90 90}"
retried=" 000 401 403 404 408 429 502 503 504 " # 000: no HTTP answer (DNS, connection)

login
save_outputs
uri=$(json_get "$E2E_DIR/outputs.json" onlineEndpoints score scoringUri) ||
  fail "the stack has no output onlineEndpoints.score.scoringUri: does Pulumi.dev.yaml still define the endpoint score with a deployment?"
token=$(az account get-access-token --resource https://ml.azure.com --query accessToken -o tsv) ||
  fail "no Entra token for https://ml.azure.com: check the azure/login step before this one"
echo "::add-mask::$token"
# The token goes to curl in a file, never on a command line.
headers="$E2E_DIR/score-headers"
(umask 077 && printf 'Authorization: Bearer %s\nContent-Type: application/json\n' "$token" >"$headers")
body="$E2E_DIR/score-response.json"

waited=0
for ((attempt = 1; ; attempt++)); do
  status=$(curl -sS -o "$body" -w '%{http_code}' -X POST "$uri" -H "@$headers" \
    --data-binary "@$SCORE/request.json" --max-time 60) || status=000
  if [[ $status == 200 ]]; then
    if python3 -c 'import json, sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' \
      "$body" "$SCORE/response.json" 2>/dev/null; then
      echo "$uri answered $SCORE/response.json on attempt $attempt"
      exit 0
    fi
    fail "$uri answered 200 but not $SCORE/response.json: $(head -c 2000 "$body")"
  fi
  if [[ $retried != *" $status "* ]]; then
    fail "$uri answered HTTP $status, which waiting does not change: $(head -c 2000 "$body" 2>/dev/null)"
  fi
  if ((attempt > ${#delays[@]})); then
    fail "$uri still answered HTTP $status after $attempt attempts over ${waited}s. 401/403: the CI identity needs Microsoft.MachineLearningServices/workspaces/onlineEndpoints/score/action on the endpoint (Contributor has it); 404: no deployment takes traffic (onlineEndpoints.score.traffic in pulumi stack output); 502/503: the deployment is not healthy (az ml online-deployment get-logs)"
  fi
  delay=${delays[attempt - 1]}
  echo "attempt $attempt: HTTP $status; trying again in ${delay}s"
  sleep "$delay"
  waited=$((waited + delay))
done
