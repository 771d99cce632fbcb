"""Progress bars for the long commands (screen, suitability, impact, atlas, layers prepare): tqdm on stderr, only
on a terminal and never with -q, redrawn every second by a ticker thread so that elapsed time, rate and ETA move
even while one long step (a chunk in a worker, a GDAL call) runs."""
from __future__ import annotations

import sys
import threading

# Set by the command line's global -q (and by -q of a sub-command); libraries called from Python stay silent
# unless they ask for a bar.
QUIET = False


class Progress:
    """`with Progress(total, unit, desc) as bar: bar.update(n); bar.stage("...")`. A no-op when not shown."""

    def __init__(self, total=None, unit: str = "it", desc: str | None = None, *, show: bool | None = None,
                 file=None, interval: float = 1.0):
        file = file if file is not None else sys.stderr
        if show is None:
            show = not QUIET and hasattr(file, "isatty") and file.isatty()
        self.bar = None
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        if not show:
            return
        from tqdm import tqdm
        self.bar = tqdm(total=total, unit=unit, desc=desc, unit_scale=unit != "it", dynamic_ncols=True, file=file,
                        mininterval=0.2, smoothing=0.1)
        self._ticker = threading.Thread(target=self._tick, args=(interval,), daemon=True, name="zoning-progress")
        self._ticker.start()

    def _tick(self, interval: float) -> None:
        while not self._stop.wait(interval):
            bar = self.bar
            if bar is not None:
                bar.refresh()

    def update(self, n: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def stage(self, text: str) -> None:
        """What is being done now (shown after the bar)."""
        if self.bar is not None:
            self.bar.set_postfix_str(text, refresh=True)

    def write(self, text: str, file=None) -> None:
        """A line above the bar (or plainly when there is none)."""
        if self.bar is not None:
            self.bar.write(text, file=file)
        else:
            print(text, file=file or sys.stdout)

    def close(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=2)
            self._ticker = None
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
