"""Course tooling: build the notebooks from their sources and run workshops.

Kept light on purpose: importing :mod:`modellab.course` loads nothing heavy.
The sub-modules do the work (:mod:`modellab.course.paths` for locations,
:mod:`modellab.course.build` for ``modellab build``).
"""
