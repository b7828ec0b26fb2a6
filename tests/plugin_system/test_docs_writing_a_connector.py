"""docs/writing-a-connector.md shows the example plugin's code exactly as it is in the files."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "writing-a-connector.md"
EXAMPLE = REPO / "plugins" / "paymatch-example"
BLOCK = re.compile(r"<!-- file: (\S+) -->\n```\w*\n(.*?)^```$", re.S | re.M)


def _blocks() -> dict[str, str]:
    blocks = BLOCK.findall(DOC.read_text(encoding="utf-8"))
    paths = [path for path, _ in blocks]
    assert len(paths) == len(set(paths)), "a file is shown twice"
    return dict(blocks)


def test_every_code_block_equals_its_file() -> None:
    blocks = _blocks()
    assert blocks
    for path, code in blocks.items():
        assert code == (REPO / path).read_text(encoding="utf-8"), f"{path} differs from the doc"


def test_the_doc_shows_every_code_file_of_the_example() -> None:
    files = {
        str(path.relative_to(REPO))
        for path in EXAMPLE.rglob("*")
        if path.suffix in {".py", ".toml"} and "__pycache__" not in path.parts
    }
    assert files == set(_blocks())


def test_the_doc_links_resolve() -> None:
    text = DOC.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
        if "://" not in target:
            assert (DOC.parent / target).exists(), target
