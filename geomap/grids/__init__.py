"""Population grids: gaps measured over every person of a gridded population.

One module per concern, data flowing one way::

    io (windowed raster reading) ─► zonal (exact per-unit sums)
                                 ─► reach (geodesic distance to the nearest provider, per block)
                                 ─► cost (travel time over a friction surface, MCP_Geometric)
                                 ─► capacity (AccessMod geographic coverage)
                                 ─► siting (MCLP over aggregated cells)
    execution (the same per-block work on a Dask cluster)

Every result frame says which population model it uses (``population_model``). Nothing here
imports Streamlit or folium; the map layer is :mod:`geomap.layers.grid`.
"""
