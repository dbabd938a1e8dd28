"""``python -m snnlab``: see ``snnlab.cli``."""
import sys

from snnlab.cli import main

sys.exit(main())
