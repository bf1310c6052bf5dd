import pytest

from align.normalize import detect_variant, normalize_chars, normalize_document, normalize_text
from align.read import read_folder

from .conftest import RAW, SEED_FORTUNE, SEED_HK, SEED_SUMMARY, seed_text


@pytest.mark.parametrize("doc_id,variant", [(SEED_HK, "hk"), (SEED_SUMMARY, "s"), (SEED_FORTUNE, "s")])
def test_detects_the_script_of_each_seed(doc_id, variant):
    assert detect_variant(seed_text(doc_id)) == variant


def test_detects_taiwan_usage():
    text = "這個軟體透過網路下載,程式的資訊儲存在伺服器的資料庫裡,品質很好。" * 3
    assert detect_variant(text) == "tw"


@pytest.mark.parametrize(
    "source,expected",
    [
        ("「好點子」(awesome ones)", "“好点子”(awesome ones)"),
        ("MMA(綜合格鬥)", "MMA(综合格斗)"),
        ("亞曆克斯·彭利拿(Alex Pereira)", "亚历克斯·彭利拿(Alex Pereira)"),
        ("ＡＩ（人工智慧）", "AI(人工智慧)"),
        ("a\u00a0b\u3000c\u200bd\r\ne\rf", "a b cd\ne\nf"),
    ],
)
def test_normalizes_script_width_quotes_and_spaces(source, expected):
    out, _, _, _ = normalize_text(source, "hk")
    assert out == expected


def test_offset_map_points_back_to_the_original():
    for doc in read_folder(RAW):
        norm = normalize_document(doc)
        assert len(norm.src_start) == len(norm.text)
        pre, _, _ = normalize_chars(doc.text)
        assert len(pre) == len(norm.text)  # OpenCC kept the length on the seeds
        for k in range(len(norm.text)):
            a, b = norm.src_start[k], norm.src_end[k]
            assert normalize_chars(doc.text[a:b])[0] == pre[k]


def test_crlf_keeps_offsets_exact():
    text = "第一行(first)\r\n第二行「引用」\r\n"
    chars, starts, ends = normalize_chars(text)
    assert chars == "第一行(first)\n第二行“引用”\n"
    nl = chars.index("\n")
    assert text[starts[nl]:ends[nl]] == "\r\n"


def test_normalization_is_idempotent_on_the_seeds():
    for doc in read_folder(RAW):
        once, variant, _, _ = normalize_text(doc.text)
        twice, _, _, _ = normalize_text(once, "s")
        assert twice == once


def test_mainland_vocabulary_beside_the_script_conversion():
    from align.normalize import mainland_text

    tw = "我的滑鼠壞了，伺服器的記憶體不夠。"
    assert normalize_text(tw, "tw")[0] == "我的滑鼠坏了,伺服器的记忆体不够。"  # characters only
    assert mainland_text(tw, "tw") == "我的鼠标坏了,服务器的内存不够。"
    assert mainland_text("滑鼠和伺服器", "hk") == "鼠标和服务器"
    assert mainland_text("鼠标", "s") == "鼠标"


def test_a_pairs_mainland_phrasing_comes_from_its_original_span():
    from align.normalize import mainland_span

    assert mainland_span("伺服器", "伺服器", "tw") == "服务器"
    assert mainland_span("**滑鼠**", "滑鼠", "tw") == "鼠标"  # inline markup of the raw file dropped
    assert mainland_span("伺服器", "伺服器", "s") == "伺服器"  # a Simplified source keeps its words
    assert mainland_span("伺服<br>器", "其他", "tw") == "其他"  # no exact rebuild: zh itself


def test_normalize_phrases_on_the_command_line():
    from typer.testing import CliRunner

    from align.cli import app

    result = CliRunner().invoke(app, ["normalize", "--from", "tw", "--phrases"], input="滑鼠")
    assert result.exit_code == 0 and result.output == "鼠标"
