"""``backprop-lab`` and ``python -m backprop_lab``: the command line (``serve``, ``render``)."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
