"""Layer data: the TOML manifest, reading any GDAL vector source, and prepared stores read by window."""
from .manifest import LayerSpec, Manifest, default_manifest_path, load_manifest
from .prepared import LoadedLayer, load_layer, prepare

__all__ = ["LayerSpec", "LoadedLayer", "Manifest", "default_manifest_path", "load_layer", "load_manifest", "prepare"]
