"""The checks, one function per rule, registered with :func:`retainlint.registry.check`.

Each check takes a :class:`Context` and yields :class:`~retainlint.findings.Finding` objects.
Importing this package registers them all.
"""

from retainlint.checks import frames, growth, listeners, references, registries, weakrefs  # noqa: F401
