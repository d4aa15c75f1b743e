"""Former home of the upload limits and zip checks, now :mod:`geomap.io.limits` (re-exported here).

Kept so that code written against ``geomap.directory.limits`` keeps working while branches
merge; new code imports :mod:`geomap.io.limits`.
"""

from geomap.io.limits import *  # noqa: F403
from geomap.io.limits import __all__  # noqa: F401
