"""`python build.py [--out DIR] [...]`: the same as `catkg build`."""

import sys

from catkg.cli import app

if __name__ == "__main__":
    app(args=["build", *sys.argv[1:]], prog_name="build.py")
