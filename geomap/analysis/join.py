"""Former home of the point → unit join, now :mod:`geomap.join` (re-exported here).

The resolver (``geomap.directory``) needs the join, and the directory sits below the analyses,
so the join moved down beside the boundaries. New code imports :mod:`geomap.join`.
"""

from geomap.join import *  # noqa: F403
from geomap.join import __all__  # noqa: F401
