import sys

from catalogue_app.app import main

sys.exit(main())
