"""Azure public-cloud regions: the names ``az account list-locations`` prints.

Source: the ``Physical`` entries of Azure/terraform-azurerm-avm-utl-regions
``modules/cached-data/locations.tf.json`` (commit e9d62409, 2026-03-12), which a weekly job saves
from ``GET /subscriptions/<id>/locations?api-version=2023-07-01``, the call behind
``az account list-locations``; without the canary and stage regions (centraluseuap, eastus2euap,
eastusstg, southcentralusstg) and the logical ones (geographies such as ``europe``). A region newer
than this list is taken with the stack setting ``allowUnlistedLocation``.
"""

PUBLIC_REGIONS: tuple[str, ...] = (
    "australiacentral", "australiacentral2", "australiaeast", "australiasoutheast", "austriaeast",
    "belgiumcentral", "brazilsouth", "brazilsoutheast", "canadacentral", "canadaeast",
    "centralindia", "centralus", "chilecentral", "denmarkeast", "eastasia", "eastus", "eastus2",
    "francecentral", "francesouth", "germanynorth", "germanywestcentral", "indonesiacentral",
    "israelcentral", "italynorth", "japaneast", "japanwest", "jioindiacentral", "jioindiawest",
    "koreacentral", "koreasouth", "malaysiawest", "mexicocentral", "newzealandnorth",
    "northcentralus", "northeurope", "norwayeast", "norwaywest", "polandcentral", "qatarcentral",
    "southafricanorth", "southafricawest", "southcentralus", "southeastasia", "southindia",
    "spaincentral", "swedencentral", "switzerlandnorth", "switzerlandwest", "uaecentral",
    "uaenorth", "uksouth", "ukwest", "westcentralus", "westeurope", "westindia", "westus",
    "westus2", "westus3",
)
