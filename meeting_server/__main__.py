import sys

from meeting_server.cli import main

sys.exit(main())
