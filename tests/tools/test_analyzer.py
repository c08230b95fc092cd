"""The policy pack harness: a pack runs as the Pulumi CLI runs it, the offline preview takes its
verdicts over the Analyzer gRPC interface, and the pack config is reconciled as the engine does."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from google.protobuf import json_format
from pulumi.runtime import proto

from offline.__main__ import main
from offline.analyzer import UNSERVED_ENGINE, PackConfigError, PackError, PolicyAnalyzer, reconcile
from offline.exits import POLICY
from offline.policy_check import PRODUCTION_POLICIES

PROBE = """
    import os
    import sys

    from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy


    def probe(args, report):
        if args.resource_type == "azure-native:keyvault:Vault":
            report(f"{type(args.props['properties']).__name__} in {os.getcwd()} "
                   f"with {sys.argv[1:]}")


    PolicyPack(name="probe", policies=[ResourceValidationPolicy(
        name="probe", description="How the pack runs.", validate=probe,
        enforcement_level=EnforcementLevel.MANDATORY)])
"""


def _pack(folder: Path, main_py: str) -> Path:
    folder.mkdir()
    (folder / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (folder / "__main__.py").write_text(textwrap.dedent(main_py))
    return folder


@pytest.mark.usefixtures("tools_share_runs")
def test_the_preview_runs_the_pack_as_the_cli_does_and_exits_on_its_verdict(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    probe = _pack(tmp_path / "probe", PROBE)
    preview = tmp_path / "dev.json"
    assert main(["dev", "--policy-pack", str(probe), "--json", str(preview)]) == POLICY
    assert "POLICY  (the pack's config from the stack's settings): 1 mandatory policies, " \
           "1 violations\n  probe: workspace-key-vault: _DictProxy in" in capsys.readouterr().out
    # a read-only view of the inputs, in the pack folder, started with an engine address and
    # the folder (pulumi.policy's arguments)
    assert json.loads(preview.read_text())["policyViolations"] == [{
        "policy": "probe", "resource": "workspace-key-vault",
        "message": f"_DictProxy in {probe} with {[UNSERVED_ENGINE, str(probe)]}"}]


def test_a_pack_that_does_not_start_is_refused_with_its_error(tmp_path: Path) -> None:
    broken = _pack(tmp_path / "broken", "raise ImportError('no module named guardrails')\n")
    with pytest.raises(PackError) as refused:
        PolicyAnalyzer(broken).info  # noqa: B018 (the first call waits for the pack)
    assert f"policy pack {broken} did not start" in str(refused.value)
    assert "ImportError: no module named guardrails" in str(refused.value)


def _levels(config: dict[str, proto.PolicyConfig]) -> dict[str, int]:
    return {name: c.enforcementLevel for name, c in config.items()}


def test_the_pack_config_is_reconciled_as_the_engine_does(pack: PolicyAnalyzer) -> None:
    defaults = reconcile(pack.info, {})
    assert _levels(defaults) == dict.fromkeys(pack.policies, proto.MANDATORY)
    assert json_format.MessageToDict(defaults["endpoint-token-auth"].properties) == {
        "allowKeyAuth": False}
    dev = reconcile(pack.info, {p: "disabled" for p in PRODUCTION_POLICIES})
    assert {p for p, level in _levels(dev).items() if level == proto.DISABLED} == set(
        PRODUCTION_POLICIES)
    everything = reconcile(pack.info, {"all": "advisory",
                                       "key-vault-rbac": {"enforcementLevel": "disabled"}})
    assert _levels(everything) == {**dict.fromkeys(pack.policies, proto.ADVISORY), "all":
                                   proto.ADVISORY, "key-vault-rbac": proto.DISABLED}


def test_a_pack_config_the_engine_refuses_is_refused_naming_each_problem(
        pack: PolicyAnalyzer) -> None:
    with pytest.raises(PackConfigError) as refused:
        reconcile(pack.info, {"key-vault-rbac": "sometimes",
                              "endpoint-token-auth": {"allowKeyAuth": "yes"},
                              "no-such-policy": {"threshold": 3}})
    for words in ("'sometimes' is not an enforcement level (advisory, mandatory, remediate, "
                  "disabled)", "endpoint-token-auth: 'yes' is not of type 'boolean'",
                  "no-such-policy: no enforcement level"):
        assert words in str(refused.value)


def test_a_folder_without_a_pack_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=f"no policy pack in {tmp_path} "
                       r"\(PulumiPolicy.yaml\)"):
        PolicyAnalyzer(tmp_path)
