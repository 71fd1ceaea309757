"""retainlint: finds retention hazards — memory a long-running Python process never gives back."""

__version__ = "0.1.0"
# The project's public home: rule documentation links and SARIF's informationUri point here.
HOMEPAGE = "https://github.com/retainlint/retainlint"
