"""Signatures of templates: the identity a return claims is one the consolidating office issued.

The metadata sheet of a template is very hidden but not secret: anyone can unhide it and turn an SNV
return into STP's, a half-year return into the annual one, or swap two defined names and recompute the
layout hash. So each template carries an HMAC-SHA256, with a key only the consolidating office holds,
over what the reader trusts (`SIGNED_KEYS`: regime, catalog fingerprint, unit, period, layout…). `check`
and the merge verify it where the key is; unit staff, who do not have the key, can still check their
own workbook (nothing is verified there, nothing is lost).

The key (32 random bytes, written as 64 hex digits in a small text file):
- is created on first use, when the consolidating office makes its first template, in the profile of
  the person who makes them: `%APPDATA%\\xlcchc\\khoa-ky.key` on Windows, `~/.config/xlcchc/khoa-ky.key`
  elsewhere (`$XDG_CONFIG_HOME` honoured), readable by its owner only;
- or is given with `--key FILE`, or with the environment variable `XLCCHC_KEY_FILE`.
Two offices (or two computers of one office) share it by copying that file (USB stick, never e-mail
together with the templates); a key's id (`key_id`, 16 hex digits, not secret) is printed by
`xlcchc key` so both sides can compare it by telephone.

The signature text is `v1.<key id>.<HMAC of all fields>.<one short HMAC per field>`: the short tags let
the verifier say *what* was changed (unit, period, layout…), the full HMAC decides. The bundled samples
and the demo are signed with a published sample key (`SAMPLE_KEY_HEX`, written beside the samples as
`KHOA_KY_MAU.key`); it proves nothing and must never sign real templates.
"""

from __future__ import annotations

import os
from pathlib import Path

from .digest import compare_digest, hmac_sha256, sha256
from .regular_file import NotRegularFile, regular_bytes
from .record import Record, record
from .errors import XlcchcError

#: Metadata the reader trusts, in this order (a key the template does not have signs as empty text).
SIGNED_KEYS = ("format", "regime", "fingerprint", "unit", "unit_name", "period", "layout", "official_code", "plan")
FIELD_LABELS = {
    "format": "phiên bản định dạng biểu mẫu",
    "regime": "chế độ báo cáo",
    "fingerprint": "phiên bản danh mục chỉ tiêu",
    "unit": "mã đơn vị",
    "unit_name": "tên đơn vị",
    "period": "kỳ báo cáo",
    "layout": "bố cục biểu mẫu (tên ô)",
    "official_code": "mã đơn vị hành chính",
    "plan": "kế hoạch CCHC (nhiệm vụ của đơn vị)",
}
VERSION = "v1"
KEY_ENV = "XLCCHC_KEY_FILE"
KEY_FILE_NAME = "khoa-ky.key"
SAMPLE_KEY_FILE_NAME = "KHOA_KY_MAU.key"
#: The published sample key of the bundled samples and the demo: anyone can sign with it.
SAMPLE_KEY_HEX = "5851c3a7c2f9a15b0d7e8a4cc0b7f1e2a39d6e5b44c18f0e9a7d3b2c1f0e4d5a"
_TAG_HEX = 8


class SigningKeyError(XlcchcError):
    """The signing key file cannot be read or written (Vietnamese message)."""


@record(positional=True, forbid=False)
class SigningKey(Record):
    secret: bytes
    path: str = ""

    @property
    def key_id(self) -> str:
        return sha256(b"xlcchc-key-id\n" + self.secret).hexdigest()[:16]

    @property
    def is_sample(self) -> bool:
        return self.secret.hex() == SAMPLE_KEY_HEX


def sample_key() -> SigningKey:
    return SigningKey(bytes.fromhex(SAMPLE_KEY_HEX), path="(khóa mẫu)")


def sample_key_text() -> str:
    """The sample key file written beside the samples: labelled so that nobody mistakes it for a real key."""
    return (
        "# KHÓA KÝ MẪU của xlcchc — công khai, chỉ dùng cho bộ báo cáo mẫu và bản chạy thử (demo).\n"
        "# Không dùng khóa này để ký biểu mẫu thật: ai cũng có khóa này nên chữ ký bằng nó không chứng minh gì.\n"
        f"{SAMPLE_KEY_HEX}\n"
    )


def profile_key_path() -> Path:
    """Where the consolidating office's key lives by default (the profile of the person making templates)."""
    if os.name == "nt" and os.environ.get("APPDATA"):
        base = Path(os.environ["APPDATA"])
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "xlcchc" / KEY_FILE_NAME


#: A key file is one comment line and 64 hex digits (~150 bytes): reading stops past this many.
KEY_FILE_MAX_BYTES = 4096


def read_key_file(path: Path | str) -> SigningKey:
    """The key in `path`, read the way the reader reads a return: never a device or FIFO (`--key /dev/zero`
    read until memory ran out, a FIFO blocked forever), never more than `KEY_FILE_MAX_BYTES`, and bytes
    that are not UTF-8 are a malformed key (their decoder's English message reached the user)."""
    path = Path(path)
    malformed = SigningKeyError(f"tệp khóa ký “{path}” không đúng dạng (cần một dòng 64 chữ số thập lục phân)")
    try:
        raw = regular_bytes(path, KEY_FILE_MAX_BYTES)
    except FileNotFoundError:
        raise SigningKeyError(f"không tìm thấy tệp khóa ký “{path}”") from None
    except NotRegularFile:
        raise SigningKeyError(f"tệp khóa ký “{path}” không phải tệp dữ liệu thông thường") from None
    except IsADirectoryError:
        raise SigningKeyError(f"“{path}” là một thư mục, không phải tệp khóa ký") from None
    except OSError as e:
        raise SigningKeyError(f"không đọc được tệp khóa ký “{path}”: {e.strerror or e}") from None
    try:
        text = raw.decode("utf-8-sig") if len(raw) <= KEY_FILE_MAX_BYTES else ""
    except UnicodeDecodeError:
        raise malformed from None
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    try:
        secret = bytes.fromhex(lines[0]) if len(lines) == 1 else b""
    except ValueError:
        secret = b""
    if len(secret) < 16:
        raise malformed
    return SigningKey(secret, path=str(path))


def find_key(path: Path | str | None = None) -> SigningKey | None:
    """The key to verify with: `path`, else `$XLCCHC_KEY_FILE`, else the profile's key if it exists."""
    if path:
        return read_key_file(path)
    env = os.environ.get(KEY_ENV)
    if env:
        return read_key_file(env)
    p = profile_key_path()
    return read_key_file(p) if p.exists() else None


def signing_key(path: Path | str | None = None) -> SigningKey:
    """The key to sign templates with: as `find_key`, created in the profile on first use."""
    key = find_key(path)
    if key is not None:
        return key
    p = profile_key_path()
    import secrets  # here, not at the top: only a new key needs it (random, base64 … for every `check`)

    secret = secrets.token_bytes(32)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("# Khóa ký biểu mẫu xlcchc của cơ quan tổng hợp — giữ bí mật; sao chép sang máy khác bằng USB.\n")
            fh.write(secret.hex() + "\n")
    except FileExistsError:  # another process created it meanwhile: use that one
        return read_key_file(p)
    except OSError as e:
        raise SigningKeyError(f"không tạo được tệp khóa ký “{p}”: {e.strerror or e}") from None
    return SigningKey(secret, path=str(p))


def _message(meta: dict[str, str]) -> bytes:
    return ("xlcchc-signature-v1\n" + "".join(f"{k}={meta.get(k) or ''}\n" for k in SIGNED_KEYS)).encode("utf-8")


def _tag(key: SigningKey, field: str, value: str) -> str:
    return hmac_sha256(key.secret, f"xlcchc-field-v1\n{field}={value}".encode("utf-8"))[:_TAG_HEX]


def sign(meta: dict[str, str], key: SigningKey) -> str:
    """The signature text of a template's metadata (deterministic: same metadata and key, same text)."""
    mac = hmac_sha256(key.secret, _message(meta))
    tags = "".join(_tag(key, k, meta.get(k) or "") for k in SIGNED_KEYS)
    return f"{VERSION}.{key.key_id}.{mac}.{tags}"


@record(positional=True, forbid=False)
class Verdict(Record):
    ok: bool
    reason: str = ""  # "malformed", "other_key", "mismatch"
    changed: tuple[str, ...] = ()  # SIGNED_KEYS whose tag no longer matches (when it can tell)
    key_id: str = ""


def _utf8(text: str) -> bytes:
    """The bytes `compare_digest` compares for a signature's part: on a str holding a non-ASCII character it
    raises TypeError (a crafted return was then "unreadable (TypeError)"), on bytes it never does, so such a
    part is a mismatch like any other forgery; an ASCII part is the same comparison as before."""
    return text.encode("utf-8", "surrogatepass")


def verify(meta: dict[str, str], signature: str, key: SigningKey) -> Verdict:
    parts = signature.strip().split(".")
    if len(parts) != 4 or parts[0] != VERSION or len(parts[3]) != _TAG_HEX * len(SIGNED_KEYS):
        return Verdict(False, "malformed")
    _, kid, mac, tags = parts
    if kid != key.key_id:
        return Verdict(False, "other_key", key_id=kid)
    want = hmac_sha256(key.secret, _message(meta))
    if compare_digest(want.encode("ascii"), _utf8(mac)):
        return Verdict(True, key_id=kid)
    changed = tuple(
        k for i, k in enumerate(SIGNED_KEYS)
        if not compare_digest(_utf8(tags[i * _TAG_HEX : (i + 1) * _TAG_HEX]), _tag(key, k, meta.get(k) or "").encode("ascii"))
    )
    return Verdict(False, "mismatch", changed=changed, key_id=kid)


def cli_key(args) -> int:
    """`xlcchc key`: where the key is and its id (to compare between offices), creating it if asked."""
    key = signing_key(args.key) if getattr(args, "create", False) else find_key(args.key)
    if key is None:
        print(f"Chưa có khóa ký. Khóa sẽ được tạo khi tạo biểu mẫu đầu tiên (hoặc: xlcchc key --create), tại {profile_key_path()}")
        return 1
    note = " (KHÓA MẪU công khai — không dùng cho biểu mẫu thật)" if key.is_sample else ""
    print(f"Khóa ký: {key.path}\nMã khóa: {key.key_id}{note}")
    return 0
