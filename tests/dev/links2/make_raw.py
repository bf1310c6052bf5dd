"""Rebuild ``raw/alexnet_zh.txt`` from a git directory of d2l-ai/d2l-zh.

    python tests/dev/links2/make_raw.py /path/to/d2l-zh.git [commit]

The AlexNet section of 动手学深度学习 (``chapter_convolutional-modern/alexnet.md``)
becomes plain UTF-8 text, one paragraph per line, with the same cleaning as
``tests/dev/links/make_raw.py`` (whose ``to_text`` is imported by path, so both
collections are cleaned identically): code blocks, tables, display and inline math,
images, d2l directives and the discussion link are removed; links keep their text;
emphasis, heading and list markers are dropped. The output is deterministic.
``raw/alexnet_summary.txt`` is hand-written (see README.md) and not touched here.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

COMMIT = "e6b18ccea71451a55fcd861d7b96fddf2587b09a"
SOURCE = "chapter_convolutional-modern/alexnet.md"
HERE = Path(__file__).resolve().parent
OUT = HERE / "raw" / "alexnet_zh.txt"
CLEANER = HERE.parent / "links" / "make_raw.py"


def _load_cleaner():
    sys.dont_write_bytecode = True  # leave tests/dev/links/ untouched
    spec = importlib.util.spec_from_file_location("links_make_raw", CLEANER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(f"usage: python {Path(__file__).name} /path/to/d2l-zh.git [commit]")
    git_dir = sys.argv[1]
    commit = sys.argv[2] if len(sys.argv) > 2 else COMMIT
    markdown = subprocess.run(["git", "--git-dir", git_dir, "show", f"{commit}:{SOURCE}"],
                              check=True, capture_output=True, text=True).stdout
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(_load_cleaner().to_text(markdown), encoding="utf-8")
    print(f"wrote {OUT} from {SOURCE}@{commit[:12]}")


if __name__ == "__main__":
    main()
