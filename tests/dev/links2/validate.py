"""Check ``gold.jsonl`` against ``raw/``; exit 1 on any error.

    python tests/dev/links2/validate.py

The link collections' validator (``tests/dev/link_collections/validate.py``) on this
folder: keys, labels, spans in their passages, one row per quoted phrase in document
order. (It checks the quotes against the English original when a folder holds
``source_en/``; this one does not: its English is in d2l-ai/d2l-en, see README.md.)
"""

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    sys.argv = [sys.argv[0], str(HERE)]
    runpy.run_path(str(HERE.parent / "link_collections" / "validate.py"), run_name="__main__")
