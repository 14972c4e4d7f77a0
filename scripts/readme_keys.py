"""Rewrite README.md's table of prompts.toml keys from ivr_prompts/settings.py's declarations."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from ivr_prompts.settings import markdown_table

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"(<!-- keys:start -->\n).*?(<!-- keys:end -->)", re.DOTALL)


def main() -> int:
    text = README.read_text(encoding="utf-8")
    if not BLOCK.search(text):
        print("README.md has no <!-- keys:start --> ... <!-- keys:end --> block", file=sys.stderr)
        return 1
    README.write_text(
        BLOCK.sub(lambda m: m[1] + markdown_table() + "\n" + m[2], text), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
