"""What a warm build keeps besides the per-document results: the memo of segmentations,
glosses and encoder pieces (align.memo), the encoder's uncompressed weights, and the
encoder's parallel calls. Each must give the same bits as computing afresh."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

from align import encoder
from align.memo import MEMO_FILE, MemoStore, kept_in, memo

from .conftest import GOLD, LINKS_GOLD, RAW, ROOT, same_tree


def test_the_store_gives_back_what_was_put_in_its_generation(tmp_path):
    store = MemoStore(tmp_path, "code-a")
    assert store.get("segment", "深度学习") is None
    store.put("segment", "深度学习", ["深度", "学习"])
    store.put("pieces", "长" * 100, [1, 5, 2])  # a long key is stored as its hash
    store.close()
    again = MemoStore(tmp_path, "code-a")
    assert again.get("segment", "深度学习") == ["深度", "学习"]
    assert again.get("pieces", "长" * 100) == [1, 5, 2]
    assert again.get("gloss", "深度学习") is None  # another kind
    again.close()
    other = MemoStore(tmp_path, "code-b")  # other code: nothing it did not compute itself
    assert other.get("segment", "深度学习") is None
    other.close()


def test_memo_computes_once_while_a_store_is_in_use(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return ["a", "b"]

    assert memo("segment", "x", compute) == ["a", "b"]  # no store: computed every time
    with kept_in(MemoStore(tmp_path, "g")):
        assert memo("segment", "x", compute) == ["a", "b"]
    with kept_in(MemoStore(tmp_path, "g")):
        assert memo("segment", "x", compute) == ["a", "b"]
    assert len(calls) == 2


def test_a_damaged_memo_only_makes_linking_slower(tmp_path):
    (tmp_path / MEMO_FILE).write_bytes(b"not SQLite at all" * 100)
    store = MemoStore(tmp_path, "g")
    with kept_in(store):
        assert memo("segment", "x", lambda: ["x"]) == ["x"]
    assert (tmp_path / MEMO_FILE).read_bytes().startswith(b"not SQLite")


def _texts() -> list[str]:
    lines = [line.strip() for f in sorted(RAW.glob("*.txt")) for line in f.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line][:400]


def test_parallel_encoding_gives_the_bits_of_one_call_on_one_thread(tmp_path):
    model = encoder.sentence_encoder()
    texts = _texts()
    parts = model._parts([len(model._pieces.encode(t)) for t in texts])
    assert len(parts) > 1 or len(os.sched_getaffinity(0)) == 1
    one = model._model().encode(texts)  # the backend's own call: one thread, the whole list
    assert np.array_equal(model.encode(texts), one)


def test_the_unpacked_weights_are_the_shipped_arrays(tmp_path):
    model = encoder.sentence_encoder()
    path = encoder.unpacked_weights(model._weights, tmp_path)
    assert path is not None and path.parent == tmp_path
    with np.load(model._weights, allow_pickle=False) as shipped, np.load(path, allow_pickle=False) as unpacked:
        assert sorted(shipped.files) == sorted(unpacked.files)
        for k in shipped.files:
            assert shipped[k].dtype == unpacked[k].dtype and np.array_equal(shipped[k], unpacked[k])
    assert encoder.unpacked_weights(model._weights, tmp_path) == path  # made once


def test_a_warm_linked_build_loads_neither_jieba_the_dictionary_nor_the_tokenizer(tmp_path):
    code = (
        "import json, sys\n"
        "from align.cli import main\n"
        "from align import encoder, lexicon\n"
        f"sys.argv = ['align', 'build', '--raw', {str(RAW)!r}, '--gold', {str(GOLD)!r}, '--links-gold', "
        f"{str(LINKS_GOLD)!r}, '--out', sys.argv[1]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(json.dumps({'jieba': 'jieba' in sys.modules, 'cedict': lexicon.cedict.cache_info().currsize,\n"
        "                  'tokenizer': encoder.sentence_encoder()._pieces._tokenizer is not None}))\n"
    )
    env = {**os.environ, "ALIGN_CACHE_DIR": str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", code, str(tmp_path / name)], capture_output=True, text=True,
                           cwd=ROOT, env=env) for name in ("cold", "warm")]
    loaded = [json.loads(run.stdout.strip().splitlines()[-1]) for run in runs]
    assert loaded[0] == {"jieba": True, "cedict": 1, "tokenizer": True}, runs[0].stderr[-2000:]
    assert loaded[1] == {"jieba": False, "cedict": 0, "tokenizer": False}, runs[1].stderr[-2000:]
    same_tree(tmp_path / "cold", tmp_path / "warm")
    assert list((tmp_path / "cache").glob(f"{encoder.WEIGHTS_PREFIX}*.npz"))
