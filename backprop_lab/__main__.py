"""``backprop-lab`` and ``python -m backprop_lab``: the command line (``serve``, ``render``)."""

import sys

from backprop_lab import check_checkout_names

check_checkout_names("app")  # `python -m` puts the current folder first: its own app.py would win

from app.cli import main  # noqa: E402  (after the check, which explains a hidden app)

if __name__ == "__main__":
    sys.exit(main())
