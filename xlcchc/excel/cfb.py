"""A minimal writer of Compound File Binary files ([MS-CFB], version 3, 512-byte sectors).

`xl/vbaProject.bin` inside an .xlam is such a file. The Python libraries that read CFB (olefile,
compoundfiles) cannot create one, and the few young PyPI packages that claim to write one are
0.0.x releases without users; the subset a VBA project needs (a handful of small streams in two
storages, no transactions, no DIFAT) is a page of code, so it lives here, written whole and in one
pass, which also makes its bytes deterministic: no timestamps, fixed CLSIDs, sorted entries.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT, ENDOFCHAIN, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
_HEADER_DIFAT = 109
_RED, _BLACK = 0, 1
_STORAGE, _STREAM, _ROOT = 1, 2, 5


@dataclass
class Storage:
    """A storage (folder) of the compound file: child storages and streams by name."""

    name: str
    children: dict[str, "Storage | bytes"] = field(default_factory=dict)

    def add_stream(self, path: str, data: bytes) -> None:
        """Add `data` at `path` (`VBA/dir`), creating the storages on the way."""
        *folders, leaf = path.split("/")
        node = self
        for f in folders:
            nxt = node.children.setdefault(f, Storage(f))
            if not isinstance(nxt, Storage):
                raise ValueError(f"{f} is a stream, not a storage")
            node = nxt
        _check_name(leaf)
        node.children[leaf] = bytes(data)


def _check_name(name: str) -> None:
    if not 0 < len(name) <= 31 or any(c in name for c in "/\\:!"):
        raise ValueError(f"invalid compound file entry name {name!r}")


def _sort_key(name: str) -> tuple[int, str]:
    # [MS-CFB] 2.6.4: shorter names first, then code point order of the upper-cased names.
    return (len(name), name.upper())


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    color: int = _BLACK
    start: int = ENDOFCHAIN
    size: int = 0


def _flatten(root: Storage) -> list[_Entry]:
    """Directory entries, root first, with the sibling trees built per storage."""
    entries = [_Entry("Root Entry", _ROOT)]

    def visit(storage: Storage, index: int) -> None:
        names = sorted(storage.children, key=_sort_key)
        ids = []
        for n in names:
            _check_name(n)
            node = storage.children[n]
            if isinstance(node, Storage):
                # [MS-CFB] 2.6.3: a storage's starting sector and size MUST be zero (not ENDOFCHAIN).
                entries.append(_Entry(n, _STORAGE, start=0, size=0))
            else:
                entries.append(_Entry(n, _STREAM, node))
            ids.append(len(entries) - 1)
        entries[index].child = _balanced(entries, ids, 0)
        for n, i in zip(names, ids):
            node = storage.children[n]
            if isinstance(node, Storage):
                visit(node, i)

    visit(root, 0)
    return entries


def _balanced(entries: list[_Entry], ids: list[int], depth: int) -> int:
    """Root of a balanced search tree over `ids` (already sorted); returns NOSTREAM when empty.

    A median split puts every leaf at the last or second-to-last level; colouring the nodes of the
    last level red when that level is not full keeps the black height equal on every path, so the
    tree is a valid red-black tree, as [MS-CFB] 2.6.4 asks.
    """
    if not ids:
        return NOSTREAM
    full_depth = (len(ids) + 1).bit_length() - 1  # levels that a tree of this size fills completely

    def build(lo: int, hi: int, d: int) -> int:
        if lo >= hi:
            return NOSTREAM
        mid = (lo + hi) // 2
        e = entries[ids[mid]]
        e.left = build(lo, mid, d + 1)
        e.right = build(mid + 1, hi, d + 1)
        e.color = _RED if d >= full_depth else _BLACK
        return ids[mid]

    return build(0, len(ids), depth)


def _chain(fat: list[int], first: int, count: int) -> None:
    for i in range(count):
        fat[first + i] = first + i + 1 if i < count - 1 else ENDOFCHAIN


def _pad(data: bytes, size: int) -> bytes:
    return data + b"\0" * (-len(data) % size)


def write_cfb(root: Storage) -> bytes:
    """The bytes of a compound file holding `root`'s tree (small streams go to the mini stream).

    Layout, in sector order: the FAT, the directory, the mini FAT, the mini stream (the root entry's
    stream), then each big stream; every chain is contiguous, so the FAT is written in one pass."""
    entries = _flatten(root)
    mini, minifat = _mini_stream(entries)
    n_dir = -(-len(entries) // 4)
    n_minifat = -(-len(minifat) // (SECTOR // 4))
    n_mini = -(-len(mini) // SECTOR)
    big = [e for e in entries if e.kind == _STREAM and len(e.data) >= MINI_CUTOFF]
    n_big = sum(-(-len(e.data) // SECTOR) for e in big)
    content = n_dir + n_minifat + n_mini + n_big
    n_fat = 1
    while n_fat * (SECTOR // 4) < n_fat + content:
        n_fat += 1
    if n_fat > _HEADER_DIFAT:
        raise ValueError("compound file too large for this writer (needs DIFAT sectors)")

    fat = [FREESECT] * (n_fat * (SECTOR // 4))
    for i in range(n_fat):
        fat[i] = FATSECT
    pos = n_fat
    dir_start = pos
    _chain(fat, pos, n_dir)
    pos += n_dir
    minifat_start = pos if n_minifat else ENDOFCHAIN
    _chain(fat, pos, n_minifat)
    pos += n_minifat
    if n_mini:
        entries[0].start, entries[0].size = pos, len(mini)
        _chain(fat, pos, n_mini)
        pos += n_mini
    body = bytearray()
    for e in big:
        n = -(-len(e.data) // SECTOR)
        e.start, e.size = pos, len(e.data)
        _chain(fat, pos, n)
        pos += n
        body += _pad(e.data, SECTOR)

    minifat_bytes = struct.pack(f"<{len(minifat)}I", *minifat) if minifat else b""
    minifat_bytes += struct.pack("<I", FREESECT) * ((n_minifat * SECTOR - len(minifat_bytes)) // 4)
    out = _header(n_fat, dir_start, minifat_start, n_minifat)
    out += struct.pack(f"<{len(fat)}I", *fat)
    out += _directory(entries, n_dir)
    out += minifat_bytes
    out += _pad(bytes(mini), SECTOR)
    out += body
    return bytes(out)


def _mini_stream(entries: list[_Entry]) -> tuple[bytearray, list[int]]:
    """The mini stream and its FAT: every stream under the cutoff, each rounded up to 64-byte mini sectors
    (the entries' start and size set on the way)."""
    mini, minifat = bytearray(), []
    for e in entries:
        if e.kind == _STREAM and len(e.data) < MINI_CUTOFF:
            e.size = len(e.data)
            if not e.data:
                e.start = ENDOFCHAIN
                continue
            n = -(-len(e.data) // MINI_SECTOR)
            e.start = len(minifat)
            minifat.extend([0] * n)
            _chain(minifat, e.start, n)
            mini += _pad(e.data, MINI_SECTOR)
    return mini, minifat


def _header(n_fat: int, dir_start: int, minifat_start: int, n_minifat: int) -> bytearray:
    """The 512-byte header of a version-3 compound file whose FAT sectors are the first `n_fat`."""
    header = bytearray(SECTOR)
    struct.pack_into(
        "<8s16sHHHHH6sIIIIIIIII",
        header,
        0,
        bytes.fromhex("D0CF11E0A1B11AE1"),
        b"\0" * 16,
        0x003E,
        0x0003,
        0xFFFE,
        9,
        6,
        b"\0" * 6,
        0,  # directory sectors: always 0 in version 3
        n_fat,
        dir_start,
        0,
        MINI_CUTOFF,
        minifat_start,
        n_minifat,
        ENDOFCHAIN,
        0,
    )
    difat = [i for i in range(n_fat)] + [FREESECT] * (_HEADER_DIFAT - n_fat)
    struct.pack_into("<109I", header, 76, *difat)
    return header


def _directory(entries: list[_Entry], n_dir: int) -> bytearray:
    """The directory sectors: one 128-byte entry each, padded with empty entries to whole sectors."""
    directory = bytearray()
    for e in entries:
        name = (e.name + "\0").encode("utf-16-le")
        directory += struct.pack(
            "<64sHBBIII16sIQQIQ",
            name,
            len(name),
            e.kind,
            e.color,
            e.left,
            e.right,
            e.child,
            b"\0" * 16,
            0,
            0,
            0,
            e.start,
            e.size,
        )
    empty = struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, b"\0" * 16, 0, 0, 0, 0, 0)
    while len(directory) < n_dir * SECTOR:
        directory += empty
    return directory
