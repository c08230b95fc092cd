"""The VM sizes Azure Machine Learning offers, for compute and for managed online endpoints.

Sizes are matched without regard to case (Microsoft's tables print them in capitals). A size newer
than these lists is taken with the stack setting ``allowUnlistedVmSizes``.
"""

from __future__ import annotations

import re

ONLINE_ENDPOINT_SIZES: frozenset[str] = frozenset((
    "STANDARD_D2AS_V4", "STANDARD_D4AS_V4", "STANDARD_D8AS_V4", "STANDARD_D16AS_V4",
    "STANDARD_D32AS_V4", "STANDARD_D48AS_V4", "STANDARD_D64AS_V4", "STANDARD_D96AS_V4",
    "STANDARD_D2A_V4", "STANDARD_D4A_V4", "STANDARD_D8A_V4", "STANDARD_D16A_V4",
    "STANDARD_D32A_V4", "STANDARD_D48A_V4", "STANDARD_D64A_V4", "STANDARD_D96A_V4",
    "STANDARD_DS1_V2", "STANDARD_DS2_V2", "STANDARD_DS3_V2", "STANDARD_DS4_V2", "STANDARD_DS5_V2",
    "STANDARD_E2S_V3", "STANDARD_E4S_V3", "STANDARD_E8S_V3", "STANDARD_E16S_V3",
    "STANDARD_E32S_V3", "STANDARD_E48S_V3", "STANDARD_E64S_V3", "STANDARD_F2S_V2",
    "STANDARD_F4S_V2", "STANDARD_F8S_V2", "STANDARD_F16S_V2", "STANDARD_F32S_V2",
    "STANDARD_F48S_V2", "STANDARD_F64S_V2", "STANDARD_F72S_V2", "STANDARD_FX4MDS",
    "STANDARD_FX12MDS", "STANDARD_FX24MDS", "STANDARD_FX36MDS", "STANDARD_FX48MDS",
    "STANDARD_L8AS_V3", "STANDARD_L16AS_V3", "STANDARD_L32AS_V3", "STANDARD_L48AS_V3",
    "STANDARD_L64AS_V3", "STANDARD_L80AS_V3", "STANDARD_L8S_V2", "STANDARD_L16S_V2",
    "STANDARD_L32S_V2", "STANDARD_L48S_V2", "STANDARD_L64S_V2", "STANDARD_L80S_V2",
    "STANDARD_L8S_V3", "STANDARD_L16S_V3", "STANDARD_L32S_V3", "STANDARD_L48S_V3",
    "STANDARD_L64S_V3", "STANDARD_L80S_V3", "STANDARD_NC24ADS_A100_V4", "STANDARD_NC48ADS_A100_V4",
    "STANDARD_NC96ADS_A100_V4", "STANDARD_NC4AS_T4_V3", "STANDARD_NC8AS_T4_V3",
    "STANDARD_NC16AS_T4_V3", "STANDARD_NC64AS_T4_V3", "STANDARD_NC6S_V2", "STANDARD_NC12S_V2",
    "STANDARD_NC24S_V2", "STANDARD_NC6S_V3", "STANDARD_NC12S_V3", "STANDARD_NC24S_V3",
    "STANDARD_NC40ADS_H100_V5", "STANDARD_NC80ADIS_H100_V5", "STANDARD_ND96AMSR_A100_V4",
    "STANDARD_ND96ASR_V4", "STANDARD_ND40RS_V2", "STANDARD_ND96IS_H100_V5",
    "STANDARD_ND96ISR_H100_V5", "STANDARD_NV6ADS_A10_V5", "STANDARD_NV12ADS_A10_V5",
    "STANDARD_NV18ADS_A10_V5", "STANDARD_NV36ADS_A10_V5", "STANDARD_NV36ADMS_A10_V5",
    "STANDARD_NV72ADS_A10_V5",
))
"""Source: MicrosoftDocs/azure-ai-docs ``reference-managed-online-endpoints-vm-sku-list.md``
(commit 43dc14ea, 10/18/2025): "The full SKU names listed in the table can be used for Azure CLI
or ... ARM templates" (85 sizes)."""

COMPUTE_SERIES: dict[str, str] = {
    "DDSv4": r"D\d+ds_v4", "Dv2": r"D\d+_v2(_Promo)?", "Dv3": r"D\d+_v3",
    "DSv2": r"DS\d+(-\d+)?_v2(_Promo)?", "DSv3": r"D\d+s_v3", "EAv4": r"E\d+as?_v4",
    "Ev3": r"E\d+_v3", "ESv3": r"E\d+(-\d+)?s_v3", "FSv2": r"F\d+s_v2", "FX": r"FX\d+mds",
    "H": r"H\d+(m|r|mr)?(_Promo)?", "HBv2": r"HB120(-\d+)?rs_v2", "HBv3": r"HB120(-\d+)?rs_v3",
    "HC": r"HC44(-\d+)?rs", "LSv2": r"L\d+s_v2", "M": r"M\d+(-\d+)?(ms|s|m|ls|ts|l|t)?",
    "NCv3": r"NC\d+r?s_v3", "NDv2": r"ND40rs_v2", "NVv3": r"NV\d+s_v3",
    "NCasT4_v3": r"NC\d+as_T4_v3", "NDasrA100_v4": r"ND\d+asr_v4",
    "ND-H100-v5": r"ND\d+isr_H100_v5", "ND-H200-v5": r"ND\d+isr_H200_v5",
}
"""The series Azure ML compute clusters and instances support (MicrosoftDocs/azure-ai-docs
``concept-compute-target.md``, "Supported VM series and sizes", commit 43dc14ea, 11/13/2025),
each as the pattern of its size names (the naming convention of azure-compute-docs
``vm-naming-conventions.md``); without the retired NC, NC Promo, NCv2, ND, NV and HB series
(``includes/retiring-vms.md``)."""

RETIRED_SERIES: dict[str, str] = {"NC": r"NC\d+r?(_Promo)?", "NCv2": r"NC\d+r?s_v2",
                                  "ND": r"ND\d+r?s", "NV": r"NV\d+(_Promo)?",
                                  "HB": r"HB60(-\d+)?rs"}


def _series(size: str, series: dict[str, str]) -> str | None:
    return next((name for name, pattern in series.items()
                 if re.fullmatch(f"Standard_{pattern}", size, re.IGNORECASE)), None)


def ml_compute_size_problem(size: str) -> str | None:
    """Why Azure ML compute does not offer ``size``, or None when it does."""
    retired = _series(size, RETIRED_SERIES)
    if retired:
        return f"the {retired} series is retired"
    if _series(size, COMPUTE_SERIES) is None:
        return ("a size of a series Azure ML compute supports: " + ", ".join(COMPUTE_SERIES))
    return None


def online_endpoint_size_problem(size: str) -> str | None:
    """Why managed online endpoints do not offer ``size``, or None when they do."""
    if size.upper() not in ONLINE_ENDPOINT_SIZES:
        return ("a size managed online endpoints offer (reference-managed-online-endpoints-vm-"
                "sku-list), e.g. Standard_DS2_v2, Standard_F4s_v2, Standard_NC4as_T4_v3")
    return None


GPU_FAMILIES = ("NC", "ND", "NG", "NV")
"""The GPU-accelerated VM families: "GPU sizes (ND-series, NV-series, etc.) use two [letters]"
(MicrosoftDocs/azure-compute-docs ``virtual-machines/sizes/overview.md``, "GPU accelerated")."""

AMD_GPU_SERIES: dict[str, str] = {
    "NVv4": r"NV\d+as_v4", "NGads V620": r"NG\d+ads_V620_v1",
    "NVads V710 v5": r"NV\d+ads_V710_v5", "ND MI300X v5": r"ND\d+isr_MI300X_v5",
}
"""The GPU series whose accelerators are AMD's, not NVIDIA's (AMD Instinct MI25, Radeon PRO V620,
Radeon Pro V710 and Instinct MI300X in the series' spec tables, azure-compute-docs
``sizes/gpu-accelerated/includes/*-specs.md``); AKS: "The NVv4 series (based on AMD GPUs) aren't
supported" (MicrosoftDocs/azure-aks-docs ``use-nvidia-gpu.md``)."""


def nvidia_gpu_size_problem(size: str) -> str | None:
    """Why nodes of ``size`` cannot serve ``nvidia.com/gpu`` (no NVIDIA GPU), or None when they
    can."""
    if not re.fullmatch(f"Standard_({'|'.join(GPU_FAMILIES)})\\w*", size, re.IGNORECASE):
        return ("a GPU size of the NC, ND or NV family (e.g. Standard_NC4as_T4_v3, "
                "Standard_NC6s_v3): this one has no GPU")
    amd = _series(size, AMD_GPU_SERIES)
    if amd:
        return f"a size with NVIDIA GPUs: the {amd} series has AMD GPUs"
    return None
