"""Layer data: the TOML manifest, reading any GDAL vector source or PostGIS table, the prepared-store file format
and where stores are kept. Building and reading the overlay index from them is the overlay's (overlay/prepared.py)."""
from .manifest import LayerSpec, Manifest, default_manifest_path, load_manifest

__all__ = ["LayerSpec", "Manifest", "default_manifest_path", "load_manifest"]
