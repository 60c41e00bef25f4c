"""The merge's folder scan: one `stat` a file, the output told apart by its inode, then by its resolved path."""

import os

from xlcchc.merge.collect import scan_folder


def _names(scan):
    return [rel for _, rel, _, _ in scan.workbooks]


def test_output_inside_the_folder_and_a_link_to_it_are_skipped_a_hard_link_is_read(tmp_path):
    folder = tmp_path / "bao-cao"
    (folder / "sub").mkdir(parents=True)
    out = folder / "TONG_HOP.xlsx"
    out.write_bytes(b"PK output")
    (folder / "a.xlsx").write_bytes(b"PK a")
    (folder / "sub" / "b.XLSX").write_bytes(b"PK b")
    (folder / "notes.txt").write_text("x")
    (folder / ".xlsx").write_bytes(b"")  # no suffix, as Path sees it
    os.symlink(out, folder / "link_to_output.xlsx")  # resolves to the output: never read
    os.link(out, folder / "hard_copy.xlsx")  # another path to the same inode: a file of its own, as before
    scan = scan_folder(folder, out.resolve())
    assert _names(scan) == ["a.xlsx", "hard_copy.xlsx", "sub/b.XLSX"]
    assert scan.ignored == [(".xlsx", "Không phải tệp bảng tính (không có phần mở rộng); bỏ qua"),
                            ("notes.txt", "Không phải tệp bảng tính (.txt); bỏ qua")]
    assert all(err is None and mtime > 0 for _, _, mtime, err in scan.workbooks)


def test_a_dangling_link_is_a_workbook_the_reader_cannot_open_unless_it_points_at_the_output(tmp_path):
    folder = tmp_path / "bao-cao"
    folder.mkdir()
    out = folder / "TONG_HOP.xlsx"  # not written yet: the first run
    os.symlink(out, folder / "to_output.xlsx")
    os.symlink(tmp_path / "gone.xlsx", folder / "gone.xlsx")
    scan = scan_folder(folder, out.resolve())
    assert _names(scan) == ["gone.xlsx"]
    path, _, _, err = scan.workbooks[0]
    assert isinstance(err, OSError) and path == str(folder / "gone.xlsx")


def test_a_folder_that_cannot_be_listed_is_named_not_skipped_silently(tmp_path, monkeypatch):
    """A subfolder without read permission (run as root, permissions do not stop us: the refusal is the
    one os.scandir raises for such a folder) held a unit's return that was neither merged nor listed,
    so the unit showed as not sent."""
    folder = tmp_path / "bao-cao"
    (folder / "khoa").mkdir(parents=True)
    (folder / "a.xlsx").write_bytes(b"PK a")
    (folder / "khoa" / "STP.xlsx").write_bytes(b"PK b")
    real = os.scandir
    locked = str(folder / "khoa")

    def scandir(path="."):
        if os.fspath(path) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    scan = scan_folder(folder)
    assert _names(scan) == ["a.xlsx"]
    assert len(scan.ignored) == 1
    rel, reason = scan.ignored[0]
    assert rel == "khoa"
    assert reason.startswith("Không mở được thư mục này (không có quyền đọc)") and "không được tổng hợp" in reason
