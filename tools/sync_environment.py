"""Write environment.yml from requirements.txt (the source of truth for pins).

    python tools/sync_environment.py          # rewrite environment.yml
    python tools/sync_environment.py --check  # exit 1 if it disagrees (tests/test_project.py checks too)
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = "3.11"


def pins(requirements: Path = ROOT / "requirements.txt") -> list[str]:
    lines = []
    for raw in requirements.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            lines.append(line)
    return lines


def render() -> str:
    body = "\n".join(f"      - {p}" for p in pins())
    return (
        "# Generated from requirements.txt by tools/sync_environment.py: edit requirements.txt, then re-run it.\n"
        "# The pins are the Linux x86-64 set `make` installs (torch's standard CUDA build, which also runs on the CPU).\n"
        "name: snnlab\n"
        "channels:\n  - conda-forge\n"
        "dependencies:\n"
        f"  - python={PYTHON}\n  - pip\n"
        "  - pip:\n"
        f"{body}\n"
        "      - -e .\n"
    )


def main() -> int:
    target = ROOT / "environment.yml"
    text = render()
    if "--check" in sys.argv:
        if not target.exists() or target.read_text() != text:
            print("environment.yml disagrees with requirements.txt: run python tools/sync_environment.py")
            return 1
        return 0
    target.write_text(text)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
