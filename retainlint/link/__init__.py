"""The link stage: analyses over the whole project's facts that every rule queries.

* :mod:`~retainlint.link.callgraph` — who calls whom, and from that how often each function runs;
* :mod:`~retainlint.link.release` — whether every way an entry's life can end releases it;
* :mod:`~retainlint.link.handed` — containers a caller builds and a constructor keeps.

Like Infer's checkers, the rules in :mod:`retainlint.checks` are short clients of these.
"""
