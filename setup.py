"""The wheel carries the demo layers and the map style as package data (`zoning/_data/`), copied at build time
from `layers/` and `maps/`, which stay their source in the checkout. Everything else is in pyproject.toml."""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
DATA = {"layers": ["layers.toml", "*.gpkg", "*.tif"], "maps": ["style.toml", "report-template.docx"]}


class build_py_with_data(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return          # an editable install reads layers/ and maps/ in the checkout itself
        target = Path(self.build_lib) / "zoning" / "_data"
        for folder, patterns in DATA.items():
            (target / folder).mkdir(parents=True, exist_ok=True)
            for pattern in patterns:
                for src in sorted((HERE / folder).glob(pattern)):
                    shutil.copy2(src, target / folder / src.name)


setup(cmdclass={"build_py": build_py_with_data})
