"""Worker processes die with the process that started them, however it ended (SIGKILL included).

A worker forked or spawned by a run or a server would otherwise live on, re-parented to init, holding its copy of
the layers. Each worker starts a watch on its parent: on Linux the kernel sends it SIGKILL when the parent dies
(PR_SET_PDEATHSIG; armed only from the main thread, since the kernel ties it to the creating thread), and on every
system a daemon thread checks the parent twice a second and ends the worker when it is gone."""
from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
POLL_S = 0.5


def watch_parent() -> None:
    parent = os.getppid()
    if sys.platform.startswith("linux") and threading.current_thread() is threading.main_thread():
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:          # the parent died before the watch was armed
        os._exit(1)

    def watch():
        while True:
            time.sleep(POLL_S)
            if os.getppid() != parent:
                os._exit(1)
    threading.Thread(target=watch, name="zoning-parent-watch", daemon=True).start()
