"""Settings shared by several stages."""

from __future__ import annotations

# The scripts a document can be in: Hong Kong, Taiwan, other Traditional, Simplified.
SCRIPT_VARIANTS = ("hk", "tw", "t", "s")
