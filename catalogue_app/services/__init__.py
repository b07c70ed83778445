"""Use cases: one call per user action, one transaction each, plain dataclasses out."""
