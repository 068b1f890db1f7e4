"""`python -m bot` is the same as the `gigbot` command."""

import sys

from bot.cli import main

sys.exit(main())
