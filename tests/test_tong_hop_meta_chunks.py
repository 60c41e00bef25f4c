"""The metadata sheet's long JSON values are cut as their items come: the same chunks as the whole text."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from xlcchc.merge.workbook import _chunks, _json_list


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.lists(st.text(st.sampled_from("aĐ“”,{}[]"), max_size=25), max_size=12), st.integers(1, 40))
def test_chunks_are_the_slices_of_the_whole_text(parts, size):
    text = "".join(parts)
    assert list(_chunks(iter(parts), size)) == [text[i : i + size] for i in range(0, max(len(text), 1), size)]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.dictionaries(st.sampled_from(["unit", "file", "detail"]), st.text(max_size=8)), max_size=6))
def test_json_list_is_the_list_dumped_at_once(items):
    dumps = lambda o: json.dumps(o, ensure_ascii=False, sort_keys=True, separators=(",", ":"))  # noqa: E731
    assert "".join(_json_list(dumps(i) for i in items)) == dumps(items)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.text(st.sampled_from("aĐ“”,{}[]\r\n\u2028😀"), max_size=25), max_size=12), st.integers(1, 40))
def test_a_spooled_text_gives_the_chunks_of_the_whole_text(tmp_path_factory, parts, size):
    """The status and findings lists are written to a work file as their parts come and read back a chunk at
    a time: the same chunks as the text in memory, newlines and characters outside the BMP included."""
    from contextlib import ExitStack

    from xlcchc.merge import workbook

    text = "".join(parts)
    with ExitStack() as files:
        blob = workbook._spool(files, str(tmp_path_factory.mktemp("spool")), iter(parts))
        assert blob.length == len(text)
        for read in (size, max(1, size // 3)):  # read back as the chunks, or in smaller parts
            assert list(_chunks(blob.parts(read), size)) == [text[i : i + size] for i in range(0, max(len(text), 1), size)]
