"""`python -m tradelane.cli`: the `tradelane` command."""

from tradelane.cli import main

if __name__ == "__main__":
    main()
