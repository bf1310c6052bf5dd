"""Where the CC-CEDICT lines come from (placeholder until the package is chosen)."""


def load_cedict_lines():
    return []
