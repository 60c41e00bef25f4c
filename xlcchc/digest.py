"""SHA-256, BLAKE2b and HMAC-SHA256 for the reader, the catalog cache and the signatures, without
importing OpenSSL into a process that hashes little.

`import hashlib` (or `hmac`) loads and initialises OpenSSL: ~11 M instructions, a twentieth of a cold
`xlcchc check` (issue 17: what Excel's "Kiểm tra" button waits for), to hash one 50 KB return. CPython's
own modules do the same arithmetic without it: `_blake2` is what `hashlib.blake2b` is anyway (hashlib
never takes BLAKE2 from OpenSSL), and `_sha256` (`_sha2` from 3.12) gives the same SHA-256 digests,
~6× slower per byte than OpenSSL's. So `sha256` uses the builtin code until a process has hashed
`_BUDGET` bytes — about what OpenSSL's import costs at the builtin code's extra per byte — and OpenSSL
from then on (or at once when something else has loaded it already): a cold check never pays for the
import, a merge of hundreds of returns pays it once, after its first ten or so. The digests are the
same either way; only the time differs.
"""

from __future__ import annotations

import sys

try:
    from _blake2 import blake2b
except ImportError:  # a Python built without its own hash modules
    from hashlib import blake2b

try:
    from _operator import _compare_digest as compare_digest  # the one `hmac.compare_digest` is a copy of
except ImportError:  # pragma: no cover - not CPython
    from hmac import compare_digest

try:
    if sys.version_info >= (3, 12):
        from _sha2 import sha256 as _builtin_sha256
    else:
        from _sha256 import sha256 as _builtin_sha256
except ImportError:  # pragma: no cover - a Python built without its own hash modules
    _builtin_sha256 = None

__all__ = ["blake2b", "compare_digest", "hmac_sha256", "sha256"]

#: Bytes hashed with the builtin SHA-256 before OpenSSL's is imported (its import ≈ 11 M instructions,
#: the builtin code ≈ 20 instructions a byte more than OpenSSL's).
_BUDGET = 512 * 1024
_hashed = 0
_openssl_sha256 = None


def sha256(data: bytes = b""):
    """`hashlib.sha256(data)`: the same object interface (`update`, `digest`, `hexdigest`, `copy`)."""
    global _hashed, _openssl_sha256
    if _openssl_sha256 is None:
        _hashed += len(data)
        if _builtin_sha256 is not None and _hashed <= _BUDGET and "_hashlib" not in sys.modules:
            return _builtin_sha256(data)
        from hashlib import sha256 as _openssl_sha256
    return _openssl_sha256(data)


_BLOCK = 64  # SHA-256's block size in bytes (RFC 2104's B)
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


def hmac_sha256(key: bytes, message: bytes) -> str:
    """`hmac.new(key, message, hashlib.sha256).hexdigest()`, written out (RFC 2104, as `hmac.py` does it):
    H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ message)), with a key longer than a block hashed first and a shorter
    one padded with zero bytes."""
    if len(key) > _BLOCK:
        key = sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner = sha256(key.translate(_IPAD) + message).digest()
    return sha256(key.translate(_OPAD) + inner).hexdigest()
