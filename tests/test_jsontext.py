"""jsontext.dumps (the findings' JSON without importing json, for a cold `check --json`) writes exactly
what `json.dumps(…, ensure_ascii=False, indent=N)` writes, or raises what it raises, on random data."""

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from xlcchc.jsontext import dumps

_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.sampled_from([math.inf, -math.inf, math.nan, -0.0]),
    st.text(), st.sampled_from(["Lỗi", "ô \"C12\"\n\t\\", "\u2028\x00\x1f\x7f", "\ud800"]),
)
_KEYS = st.one_of(st.text(max_size=8), st.integers(), st.none(), st.booleans(), st.floats(allow_nan=False))
_DATA = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.tuples(inner, inner), st.dictionaries(_KEYS, inner, max_size=4)),
    max_leaves=20,
)


def _outcome(f, obj, indent):
    try:
        return f(obj, indent)
    except (TypeError, ValueError) as e:
        return type(e), str(e)


@settings(max_examples=500, derandomize=True, deadline=None)
@given(obj=_DATA, indent=st.integers(0, 3))
def test_same_text_as_json_dumps(obj, indent):
    assert _outcome(dumps, obj, indent) == _outcome(lambda o, i: json.dumps(o, ensure_ascii=False, indent=i), obj, indent)


def test_what_json_refuses_is_refused_the_same_way():
    circular: list = []
    circular.append(circular)
    for obj in (circular, [{1j: 2}], [object()], {"a": {1, 2}}):
        assert _outcome(dumps, obj, 1) == _outcome(lambda o, i: json.dumps(o, ensure_ascii=False, indent=i), obj, 1)
