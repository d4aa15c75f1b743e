"""geomap: map who serves trafficking survivors where.

Data flows one way: load boundaries -> load and resolve the directory -> join ->
analyse -> render. See README.md ("How the code is laid out").
"""

__version__ = "0.1.0"
