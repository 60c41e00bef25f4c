"""Regenerate the committed blank templates in templates/<regime>/ after a catalog or template change.

Run from the repository root: `python scripts/regenerate_templates.py`. The output is deterministic, so
`git diff --stat templates/` shows exactly which templates the change affected; tests/test_template.py
fails while they are out of date.
"""

from pathlib import Path

from xlcchc.template import write_reference_templates

if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent / "templates"
    for path in write_reference_templates(root):
        print(path.relative_to(root.parent))
