"""``python -m retainlint``."""

from retainlint.cli import main

if __name__ == "__main__":
    main()
