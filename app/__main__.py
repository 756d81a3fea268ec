"""`python -m responses_mock` is the console script `responses-mock`."""

from responses_mock.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
