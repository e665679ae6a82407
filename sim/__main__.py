"""``python -m sim``: the ``ocgsim`` command."""

import sys

from sim.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
