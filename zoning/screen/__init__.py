"""Batch screening of project lists: chunks through the one engine, streamed, resumable, local or dask."""
from .run import ScreenOptions, screen

__all__ = ["ScreenOptions", "screen"]
