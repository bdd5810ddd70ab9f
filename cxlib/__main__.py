"""``python -m cxlib``."""

import sys

from .cli import main

sys.exit(main())
