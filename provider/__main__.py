"""Hosts the components for other Pulumi languages (components/package.py)."""

from importlib.metadata import version

from pulumi.provider.experimental import component_provider_host

from components.package import COMPONENTS, PACKAGE

if __name__ == "__main__":
    component_provider_host(COMPONENTS, name=PACKAGE, version=version("ml-platform-components"))
