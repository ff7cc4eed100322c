import sys

from tests.soak.harness import main

sys.exit(main())
