"""retainlint: finds retention hazards — memory a long-running Python process never gives back."""

__version__ = "0.1.0"
