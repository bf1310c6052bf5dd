"""Which documents may be published in full: a licence from a known list of open
licences (SPDX ids, matched case-insensitively) or an explicit ``redistribute = true`` in
the manifest. Everything else is published only as the sentences its pairs and links
come from (:mod:`align.publish`).

The list holds licences that allow sharing adapted copies for any purpose (the dataset
converts the text to Simplified Chinese and cuts it into passages); NC and ND licences
are left out on purpose: a user who knows the terms allow it says ``redistribute = true``.
"""

from __future__ import annotations

# SPDX id (lower case) -> the Hub's licence id (https://hf.co/docs/hub/repositories-licenses).
OPEN_LICENSES = {
    "cc0-1.0": "cc0-1.0",
    "cc-by-2.0": "cc-by-2.0",
    "cc-by-2.5": "cc-by-2.5",
    "cc-by-3.0": "cc-by-3.0",
    "cc-by-4.0": "cc-by-4.0",
    "cc-by-sa-3.0": "cc-by-sa-3.0",
    "cc-by-sa-4.0": "cc-by-sa-4.0",
    "mit": "mit",
    "apache-2.0": "apache-2.0",
    "bsd-2-clause": "bsd-2-clause",
    "bsd-3-clause": "bsd-3-clause",
    "isc": "isc",
    "unlicense": "unlicense",
    "mpl-2.0": "mpl-2.0",
    "gpl-3.0-or-later": "gpl-3.0",
    "gpl-3.0-only": "gpl-3.0",
    "lgpl-3.0-or-later": "lgpl-3.0",
    "lgpl-3.0-only": "lgpl-3.0",
    "gfdl-1.3-or-later": "gfdl",
    "odc-by-1.0": "odc-by",
    "odbl-1.0": "odbl",
    "pddl-1.0": "pddl",
}


def open_license(license: str | None) -> str | None:
    """The Hub id of ``license`` if it is a known open licence, else None."""
    return OPEN_LICENSES.get((license or "").strip().lower())


def redistribution(license: str | None, redistribute: bool | None) -> tuple[bool, str]:
    """``(may be published in full, why)``; an explicit ``redistribute`` wins over the licence."""
    if redistribute is True:
        return True, "redistribute = true in the manifest"
    if redistribute is False:
        return False, "redistribute = false in the manifest"
    if open_license(license):
        return True, f"open licence {license.strip()}"
    if license:
        return False, f"licence {license.strip()!r} is not a known open licence"
    return False, "no licence in the manifest"
