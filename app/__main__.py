"""`python -m app` is the console script `responses-mock`."""

from app.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
