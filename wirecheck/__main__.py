"""`python -m wirecheck`: the `wirecheck` command, where its script is not on PATH."""

import sys

from wirecheck._cli import main

sys.exit(main())
