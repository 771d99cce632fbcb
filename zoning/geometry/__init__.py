"""Geometry normalisation: CRS names, the analysis CRS, projection, repair and tolerance."""
