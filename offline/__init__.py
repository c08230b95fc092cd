"""Offline preview: run the stack program under Pulumi mocks, with no Azure account or Pulumi
CLI."""
