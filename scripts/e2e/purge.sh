#!/usr/bin/env bash
# Step 6 of the end-to-end test, after any failure too: purge what the destroy left soft-deleted,
# so that no name stays taken and nothing is kept for weeks. From what the destroy step recorded:
# - a key vault: listed by az keyvault list-deleted, purged by az keyvault purge
#   (MicrosoftDocs/azure-docs key-vault/general/key-vault-recovery.md);
# - a Log Analytics workspace: a soft-deleted one must be recovered, in its resource group (made
#   again when the destroy deleted it), then deleted with --force (MicrosoftDocs/azure-monitor-docs
#   logs/delete-workspace.md);
# - a Machine Learning workspace: deleted for good with forceToPurge=true on its resource id, in
#   its resource group (Workspaces_Delete; the way Azure Verified Modules' e2e removal purges it,
#   Azure/bicep-registry-modules Invoke-ResourceRemoval.ps1). Microsoft lists no soft-deleted
#   workspaces outside the portal, so the call is made whatever the destroy did; a workspace that
#   uses only user-assigned identities is not soft-deleted at all (concept-soft-delete).
# "Not found" anywhere means there is nothing left to purge. A resource group this step makes
# again is deleted at the end.
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

leftovers="$E2E_DIR/leftovers.tsv"
if [[ ! -f $leftovers ]]; then
  notice "the destroy step recorded nothing ($leftovers): nothing to purge"
  exit 0
fi

# tolerant WHAT COMMAND...: COMMAND, where an error that says "not found" means WHAT is gone.
tolerant() {
  local what=$1 err
  shift
  if err=$("$@" 2>&1 >/dev/null); then
    return 0
  elif grep -qiE 'not ?found|could not be found|\b404\b' <<<"$err"; then
    echo "$what: not found, nothing to purge"
    return 0
  fi
  printf '%s\n' "$err"
  return 1
}

declare -A made=() # resource groups made again here
group_of() { cut -d/ -f5 <<<"$1"; }
# ensure_group GROUP LOCATION: the resource group exists (made again if the destroy deleted it).
ensure_group() {
  local exists
  [[ -n ${made[$1]:-} ]] && return 0
  exists=$(az group exists --name "$1") || return 1
  [[ $exists == true ]] && return 0
  az group create --name "$1" --location "$2" --tags created-by=scripts/e2e/purge.sh -o none || return 1
  made[$1]=1
}

purge_key_vault() { # NAME LOCATION
  local found
  found=$(az keyvault list-deleted --resource-type vault --query "[?name=='$1'].name" -o tsv) || {
    error "az keyvault list-deleted failed (above)"
    return 1
  }
  if [[ -z $found ]]; then
    echo "key vault $1: not soft-deleted, nothing to purge"
    return 0
  fi
  tolerant "key vault $1" az keyvault purge --name "$1" --location "$2" || {
    error "az keyvault purge --name $1 failed (above): the identity needs Microsoft.KeyVault/locations/deletedVaults/purge/action on the subscription (Contributor has it, Key Vault Contributor does not); a vault with purge protection cannot be purged"
    return 1
  }
  echo "key vault $1: purged"
}

purge_log_analytics() { # NAME ID LOCATION
  local found group
  group=$(group_of "$2")
  found=$(az monitor log-analytics workspace list-deleted-workspaces --query "[?name=='$1'].name" -o tsv) || {
    error "az monitor log-analytics workspace list-deleted-workspaces failed (above)"
    return 1
  }
  if [[ -z $found ]]; then
    echo "Log Analytics workspace $1: not soft-deleted, nothing to purge"
    return 0
  fi
  if ! {
    ensure_group "$group" "$3" &&
      az monitor log-analytics workspace recover --resource-group "$group" --workspace-name "$1" -o none &&
      tolerant "Log Analytics workspace $1" az monitor log-analytics workspace delete \
        --resource-group "$group" --workspace-name "$1" --force true --yes
  }; then
    error "the Log Analytics workspace $1 could not be recovered and deleted for good (above): the identity needs Microsoft.OperationalInsights/workspaces/write and delete (Contributor has them)"
    return 1
  fi
  echo "Log Analytics workspace $1: deleted for good"
}

purge_ml_workspace() { # NAME ID LOCATION
  if ! {
    ensure_group "$(group_of "$2")" "$3" &&
      tolerant "Machine Learning workspace $1" \
        az rest --method delete --url "https://management.azure.com$2?api-version=$ML_API&forceToPurge=true"
  }; then
    error "the Machine Learning workspace $1 could not be deleted for good (above): the identity needs Microsoft.MachineLearningServices/workspaces/delete (Contributor has it); the portal lists soft-deleted workspaces under Azure Machine Learning, Recently deleted"
    return 1
  fi
  echo "Machine Learning workspace $1: deleted for good (or never soft-deleted)"
}

failed=0
while IFS=$'\t' read -r kind name id location <&3; do
  case $kind in
    key-vault) purge_key_vault "$name" "$location" || failed=$((failed + 1)) ;;
    log-analytics) purge_log_analytics "$name" "$id" "$location" || failed=$((failed + 1)) ;;
    ml-workspace) purge_ml_workspace "$name" "$id" "$location" || failed=$((failed + 1)) ;;
  esac
done 3<"$leftovers"
for group in "${!made[@]}"; do
  az group delete --name "$group" --yes || {
    error "az group delete --name $group failed (above): delete that resource group by hand"
    failed=$((failed + 1))
  }
done
((failed == 0)) || fail "$failed purge step(s) failed (above); soft-deleted resources of $STACK are left for their retention period"
echo "nothing of $STACK is left soft-deleted"
