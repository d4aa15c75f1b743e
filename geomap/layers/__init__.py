"""Map layers (folium): offline assets, choropleth, markers, catchments, legend."""
