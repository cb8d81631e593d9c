"""`python -m catkg` runs the command line."""

from catkg.cli import app

app(prog_name="catkg")
