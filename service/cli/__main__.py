"""`python -m service.cli` is the `kakehashi` command."""

from service.cli import main

main()
