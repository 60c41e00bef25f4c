"""xlcchc.digest (hashing without OpenSSL's import, for a cold `xlcchc check`) gives exactly what hashlib and
hmac give: the same SHA-256 and BLAKE2b digests, the same HMAC-SHA256, the same comparison (and the same
refusal of non-ASCII text), before and after the switch to OpenSSL's SHA-256."""

import hashlib
import hmac
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from xlcchc import digest


@settings(max_examples=300, derandomize=True)
@given(key=st.binary(max_size=200), message=st.binary(max_size=300))
def test_hmac_sha256_is_hmac_new(key, message):
    assert digest.hmac_sha256(key, message) == hmac.new(key, message, hashlib.sha256).hexdigest()


@settings(max_examples=200, derandomize=True)
@given(data=st.binary(max_size=3000), more=st.binary(max_size=100))
def test_sha256_and_blake2b_are_hashlib(data, more):
    got, want = digest.sha256(data), hashlib.sha256(data)
    got.update(more), want.update(more)
    assert (got.hexdigest(), got.digest(), got.copy().hexdigest()) == (want.hexdigest(), want.digest(), want.hexdigest())
    assert digest.blake2b(data, digest_size=20).digest() == hashlib.blake2b(data, digest_size=20).digest()


@settings(max_examples=200, derandomize=True)
@given(a=st.text(max_size=12), b=st.text(max_size=12))
def test_compare_digest_is_hmac_compare_digest(a, b):
    def outcome(f, x, y):
        try:
            return f(x, y)
        except TypeError as e:
            return str(e)

    assert outcome(digest.compare_digest, a, b) == outcome(hmac.compare_digest, a, b)
    assert outcome(digest.compare_digest, a.encode(), b.encode()) == outcome(hmac.compare_digest, a.encode(), b.encode())


def test_builtin_until_the_budget_then_openssl():
    """In a fresh process: no OpenSSL for a return's worth of hashing; OpenSSL once the budget is spent,
    with the same digests on both sides of the switch (what the module promises a merge)."""
    code = (
        "import sys, xlcchc.digest as d\n"
        "small = d.sha256(b'x' * 50_000).hexdigest()\n"
        "mac = d.hmac_sha256(b'k' * 100, b'm')\n"
        "before = '_hashlib' in sys.modules\n"
        "big = d.sha256(b'y' * (d._BUDGET + 1)).hexdigest()\n"
        "after = '_hashlib' in sys.modules\n"
        "import hashlib, hmac\n"
        "assert small == hashlib.sha256(b'x' * 50_000).hexdigest()\n"
        "assert big == hashlib.sha256(b'y' * (d._BUDGET + 1)).hexdigest()\n"
        "assert mac == hmac.new(b'k' * 100, b'm', 'sha256').hexdigest()\n"
        "print(before, after)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True"]
