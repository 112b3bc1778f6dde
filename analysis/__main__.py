"""`python -m analysis` is the `fund-analysis` command."""

import sys

from analysis.cli import main

sys.exit(main())
