import sys

from phonebridge.cli import main

sys.exit(main())
