"""The VBA project storage ([MS-OVBA]) built from module source text.

Excel keeps a VBA project as compiled p-code plus the compressed source of every module. We write
only the source and the version-independent `_VBA_PROJECT` header (`0x61CC 0xFFFF 0x00 …`): Excel
then discards nothing and recompiles from source on first load, which is exactly what a project
generated from `.bas` files in git needs. Everything here is deterministic: the project id is a
fixed GUID and the seed of the "encrypted" protection fields is a constant.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .cfb import Storage, write_cfb

CODEPAGE = 1252  # module text is ASCII: the VBA shell shows no Vietnamese it could not escape
LCID = 0x0409
_CHUNK = 4096

#: Excel's class ids for the document modules' base classes.
WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"


# --- [MS-OVBA] 2.4.1 compression -----------------------------------------------------------------


def _bit_count(difference: int) -> int:
    return max((difference - 1).bit_length(), 4)


def _compress_chunk(data: bytes) -> bytes:
    """One compressed chunk (header included) of at most 4096 decompressed bytes.

    Greedy longest match over a hash chain of 3-byte prefixes, bounded per position so that the
    xlwings module (~46 kB) compresses in well under a second in pure Python.
    """
    out = bytearray()
    pos, n = 0, len(data)
    heads: dict[bytes, list[int]] = {}
    while pos < n:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= n:
                break
            best_len, best_off = 0, 0
            if pos >= 1 and pos + 3 <= n:
                bits = _bit_count(pos)
                max_len = min((0xFFFF >> bits) + 3, n - pos)
                for cand in reversed(heads.get(data[pos : pos + 3], ())[-48:]):
                    length = 3
                    while length < max_len and data[cand + length] == data[pos + length]:
                        length += 1
                    if length > best_len:
                        best_len, best_off = length, pos - cand
                        if length == max_len:
                            break
            step = best_len if best_len >= 3 else 1
            for p in range(pos, pos + step):
                if p + 3 <= n:
                    heads.setdefault(data[p : p + 3], []).append(p)
            if best_len >= 3:
                bits = _bit_count(pos)
                token = ((best_off - 1) << (16 - bits)) | (best_len - 3)
                out += struct.pack("<H", token)
                flags |= 1 << bit
            else:
                out.append(data[pos])
            pos += step
        out[flag_at] = flags
    if len(out) > _CHUNK:
        # The token sequences do not fit the 12-bit size (at most 4096 data bytes): the chunk is stored
        # raw (flag 0), and a raw chunk always holds 4096 bytes ([MS-OVBA] 2.4.1.1.6, 2.4.1.3.10), so a
        # short last chunk is padded with 0x00, which a reader decompresses as part of the data.
        return struct.pack("<H", (_CHUNK - 1) | (0b011 << 12)) + data + b"\0" * (_CHUNK - n)
    return struct.pack("<H", (len(out) + 2 - 3) | (0b011 << 12) | 0x8000) + bytes(out)


def compress(data: bytes) -> bytes:
    """A CompressedContainer: signature byte 0x01 then one chunk per 4096 bytes of input.

    Decompresses to `data`, except when the last chunk is short and does not compress at all (random
    bytes, never source text): then to `data` padded with 0x00 to a multiple of 4096, as the format
    defines; `exact_compress` refuses that case for streams whose length matters.
    """
    out = bytearray(b"\x01")
    for i in range(0, len(data), _CHUNK):
        out += _compress_chunk(data[i : i + _CHUNK])
    return bytes(out)


def exact_compress(data: bytes) -> bytes:
    """`compress(data)`, checked to decompress to exactly `data` (module source, the dir stream)."""
    packed = compress(data)
    if decompress(packed) != data:
        raise ValueError("stream does not compress without padding")
    return packed


def decompress(container: bytes) -> bytes:
    """Inverse of `compress` ([MS-OVBA] 2.4.1.3.1); used by tests and to read back what we wrote."""
    if not container or container[0] != 1:
        raise ValueError("not a compressed container")
    out = bytearray()
    i = 1
    while i < len(container):
        header = struct.unpack_from("<H", container, i)[0]
        size = (header & 0x0FFF) + 3
        end = min(i + size, len(container))
        i += 2
        start = len(out)
        if not header & 0x8000:
            out += container[i : i + _CHUNK]
            i += _CHUNK
            continue
        while i < end:
            flags = container[i]
            i += 1
            for bit in range(8):
                if i >= end:
                    break
                if flags >> bit & 1:
                    token = struct.unpack_from("<H", container, i)[0]
                    i += 2
                    bits = _bit_count(len(out) - start)
                    length = (token & (0xFFFF >> bits)) + 3
                    offset = (token >> (16 - bits)) + 1
                    for _ in range(length):
                        out.append(out[-offset])
                else:
                    out.append(container[i])
                    i += 1
    return bytes(out)


# --- [MS-OVBA] 2.4.3 data encryption (the CMG/DPB/GC fields of the PROJECT stream) -------------


def encrypt(data: bytes, project_id: str, seed: int = 0x07) -> str:
    """Hex text of `data` "encrypted" as the PROJECT stream requires; a fixed seed keeps bytes stable."""
    proj_key = sum(project_id.encode("ascii")) & 0xFF
    version = 2
    out = bytearray([seed, seed ^ version, seed ^ proj_key])
    unenc1, enc1, enc2 = proj_key, out[2], out[1]

    def put(byte: int) -> None:
        nonlocal unenc1, enc1, enc2
        b = byte ^ ((enc2 + unenc1) & 0xFF)
        out.append(b)
        enc2, enc1, unenc1 = enc1, b, byte

    for _ in range((seed & 6) // 2):
        put(0)
    for b in struct.pack("<I", len(data)) + data:
        put(b)
    return out.hex().upper()


def decrypt(text: str) -> bytes:
    """Inverse of `encrypt` (for tests): the plain bytes of a CMG/DPB/GC value."""
    raw = bytes.fromhex(text)
    seed, version_enc, key_enc = raw[0], raw[1], raw[2]
    proj_key = seed ^ key_enc
    if seed ^ version_enc != 2:
        raise ValueError("unknown encryption version")
    unenc1, enc1, enc2 = proj_key, key_enc, version_enc
    plain = bytearray()
    for b in raw[3:]:
        byte = b ^ ((enc2 + unenc1) & 0xFF)
        plain.append(byte)
        enc2, enc1, unenc1 = enc1, b, byte
    ignored = (seed & 6) // 2
    length = struct.unpack_from("<I", plain, ignored)[0]
    return bytes(plain[ignored + 4 : ignored + 4 + length])


# --- the project -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Module:
    """One VBA module: its name, its full source text (attribute lines included) and its kind."""

    name: str
    source: str
    kind: str = "module"  # "module" (standard), "class", or "document" (ThisWorkbook, sheet modules)


def _text(s: str) -> bytes:
    return s.encode(f"cp{CODEPAGE}")


def _rec(rid: int, data: bytes) -> bytes:
    return struct.pack("<HI", rid, len(data)) + data


def _pair(rid: int, text: str, rid_unicode: int) -> bytes:
    """A record whose text is followed by its Unicode twin under a second id."""
    return _rec(rid, _text(text)) + _rec(rid_unicode, text.encode("utf-16-le"))


def dir_stream(project: str, modules: list[Module], references: list[tuple[str, str]]) -> bytes:
    """The uncompressed `VBA/dir` stream ([MS-OVBA] 2.3.4.2): project info, references, modules."""
    d = bytearray()
    d += _rec(0x0001, struct.pack("<I", 1))  # SYSKIND: Win32 (Excel adapts it when it saves)
    d += _rec(0x0002, struct.pack("<I", LCID))
    d += _rec(0x0014, struct.pack("<I", LCID))
    d += _rec(0x0003, struct.pack("<H", CODEPAGE))
    d += _rec(0x0004, _text(project))
    d += _pair(0x0005, "", 0x0040)  # doc string
    d += _pair(0x0006, "", 0x003D)  # help file
    d += _rec(0x0007, struct.pack("<I", 0))  # help context
    d += _rec(0x0008, struct.pack("<I", 0))  # lib flags
    d += struct.pack("<HIIH", 0x0009, 4, 1, 0)  # version: the "size" field is a constant 4, data is 6 bytes
    d += _pair(0x000C, "", 0x003C)  # conditional compilation constants
    for name, libid in references:
        d += _pair(0x0016, name, 0x003E)
        lib = _text(libid)
        d += struct.pack("<HII", 0x000D, 4 + len(lib) + 6, len(lib)) + lib + struct.pack("<IH", 0, 0)
    d += _rec(0x000F, struct.pack("<H", len(modules)))
    d += _rec(0x0013, struct.pack("<H", 0xFFFF))
    for m in modules:
        d += _rec(0x0019, _text(m.name))
        d += _rec(0x0047, m.name.encode("utf-16-le"))
        d += _pair(0x001A, m.name, 0x0032)  # stream name = module name
        d += _pair(0x001C, "", 0x0048)  # doc string
        d += _rec(0x0031, struct.pack("<I", 0))  # source starts at offset 0: no p-code cache
        d += _rec(0x001E, struct.pack("<I", 0))
        d += _rec(0x002C, struct.pack("<H", 0xFFFF))
        d += struct.pack("<HI", 0x0021 if m.kind == "module" else 0x0022, 0)
        d += struct.pack("<HI", 0x002B, 0)
    d += struct.pack("<HI", 0x0010, 0)
    return bytes(d)


_NOT_PROTECTED = struct.pack("<I", 0)  # ProjectProtectionState: nothing locked
_NO_PASSWORD = b"\0"  # ProjectPassword: none
_VISIBLE = b"\xff"  # ProjectVisibilityState: the project can be opened in the editor


def project_stream(project: str, project_id: str, modules: list[Module]) -> bytes:
    """The `PROJECT` stream ([MS-OVBA] 2.3.1): the text properties Excel shows and checks."""
    lines = [f'ID="{project_id}"']
    for m in modules:
        if m.kind == "document":
            lines.append(f"Document={m.name}/&H00000000")
        else:
            lines.append(f"{'Class' if m.kind == 'class' else 'Module'}={m.name}")
    lines += [
        f'Name="{project}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        f'CMG="{encrypt(_NOT_PROTECTED, project_id)}"',
        f'DPB="{encrypt(_NO_PASSWORD, project_id)}"',
        f'GC="{encrypt(_VISIBLE, project_id)}"',
        "",
        "[Host Extender Info]",
        "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000",
        "",
        "[Workspace]",
    ]
    lines += [f"{m.name}=0, 0, 0, 0, C" for m in modules]
    return _text("\r\n".join(lines) + "\r\n")


def project_wm(modules: list[Module]) -> bytes:
    """`PROJECTwm`: each module name in the code page and in UTF-16, then a terminator."""
    out = bytearray()
    for m in modules:
        out += _text(m.name) + b"\0" + m.name.encode("utf-16-le") + b"\0\0"
    return bytes(out + b"\0\0")


def normalise_source(text: str) -> str:
    """Module text as VBA stores it: CRLF line ends, ending with a line end."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.endswith("\n"):
        text += "\n"
    return text.replace("\n", "\r\n")


#: `_VBA_PROJECT` ([MS-OVBA] 2.3.4.1) without p-code: Reserved1 0x61CC, Version 0xFFFF (Excel then
#: compiles from source), Reserved2 0x00, Reserved3 0x0001 — the bytes Excel writes (xlwings' add-ins).
VBA_PROJECT_HEADER = bytes([0xCC, 0x61, 0xFF, 0xFF, 0x00, 0x01, 0x00])

STDOLE = (
    "stdole",
    "*\\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\\Windows\\System32\\stdole2.tlb#OLE Automation",
)


def vba_project_bin(project: str, project_id: str, modules: list[Module]) -> bytes:
    """The bytes of `xl/vbaProject.bin` holding `modules` (sources only, Excel compiles them)."""
    names = [m.name for m in modules]
    if len(set(n.upper() for n in names)) != len(names):
        raise ValueError(f"duplicate VBA module names: {names}")
    root = Storage("Root Entry")
    root.add_stream("PROJECT", project_stream(project, project_id, modules))
    root.add_stream("PROJECTwm", project_wm(modules))
    root.add_stream("VBA/_VBA_PROJECT", VBA_PROJECT_HEADER)
    root.add_stream("VBA/dir", exact_compress(dir_stream(project, modules, [STDOLE])))
    for m in modules:
        root.add_stream(f"VBA/{m.name}", exact_compress(_text(normalise_source(m.source))))
    return write_cfb(root)


def document_module(name: str, base: str) -> Module:
    """The attribute header Excel writes for an empty ThisWorkbook / sheet module."""
    header = "\r\n".join(
        [
            f'Attribute VB_Name = "{name}"',
            f'Attribute VB_Base = "{base}"',
            "Attribute VB_GlobalNameSpace = False",
            "Attribute VB_Creatable = False",
            "Attribute VB_PredeclaredId = True",
            "Attribute VB_Exposed = True",
            "Attribute VB_TemplateDerived = False",
            "Attribute VB_Customizable = True",
        ]
    )
    return Module(name, header + "\r\n", kind="document")
