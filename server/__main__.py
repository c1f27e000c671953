"""`python -m thaw`: the same command line as `thaw`."""

from .cli import main

raise SystemExit(main())
