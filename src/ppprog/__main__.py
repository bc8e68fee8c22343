"""``python -m ppprog``: the command line."""

import sys

from ppprog.cli.main import main

sys.exit(main())
