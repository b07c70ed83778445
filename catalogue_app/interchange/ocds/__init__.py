"""OCDS notices in: reading every file shape real feeds publish, and the bundled schema.

- :mod:`.reader` tells a file's shape and streams its releases.
- :mod:`.releases` resolves, checks and fingerprints one release.
- :mod:`.cpv` maps CPV codes in any published shape to the CPV 2008 list.
- :mod:`.schema` holds the OCDS 1.1 release schema (offline) and checks releases against it.
"""
