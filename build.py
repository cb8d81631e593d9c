"""`python build.py [--out DIR]`: the same as `catkg build`."""

from catkg.cli import app

if __name__ == "__main__":
    app(args=["build", *__import__("sys").argv[1:]], prog_name="build.py")
