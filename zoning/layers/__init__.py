"""Layer data: the TOML manifest, loading any GDAL vector source, and per-CRS indexes."""
from .loader import LoadedLayer, load_layer
from .manifest import LayerSpec, Manifest, default_manifest_path, load_manifest

__all__ = ["LayerSpec", "LoadedLayer", "Manifest", "default_manifest_path", "load_layer", "load_manifest"]
