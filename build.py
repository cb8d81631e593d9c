"""`python build.py [--out DIR] [...]`: the same as `catkg build`."""

import sys

if __name__ == "__main__":
    from catkg.build import quick_up_to_date

    # An unchanged project is answered before the CLI (typer, rich) is even imported.
    if (fresh := quick_up_to_date(sys.argv[1:])) is not None:
        print(f"up to date: {fresh} already holds this build")
        sys.exit(0)
    from catkg.cli import app

    app(args=["build", *sys.argv[1:]], prog_name="build.py")
