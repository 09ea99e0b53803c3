"""Executes pinstream's notebooks in a fresh Deno kernel through Jupyter (nbclient).

Usage: /usr/bin/python3 notebooks/_run.py [--write] [--timeout SECONDS] NOTEBOOK...

Each notebook runs in its own kernel with notebooks/ as the working directory.
One JSON line per notebook goes to stdout:
  {"notebook": "00_setup.ipynb", "ok": true, "seconds": 12.3, "error": null}
With --write, a notebook that ran without error is written back with its new
outputs. After each run, whatever the kernel started (its process group) is
stopped, so a failing notebook leaves no emulator behind. Exit code 1 when
any notebook failed.
"""

import argparse
import json
import os
import signal
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import (
    CellExecutionComplete,
    CellExecutionError,
    CellTimeoutError,
    DeadKernelError,
)
from nbclient.util import ensure_async

# The Deno kernel sometimes publishes a cell's execute_result just after its
# "idle" status; nbclient stops listening at "idle" and would lose the value.
# After "idle", keep listening until the channel is quiet for QUIET seconds
# (at most LATE_MAX seconds).
QUIET = 0.3
LATE_MAX = 2.0


class DenoNotebookClient(NotebookClient):
    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        while True:
            msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=None))
            if msg["parent_header"].get("msg_id") == parent_msg_id:
                try:
                    self.process_message(msg, cell, cell_index)
                except CellExecutionComplete:
                    break
        deadline = time.monotonic() + LATE_MAX
        while time.monotonic() < deadline:
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=QUIET))
            except Exception:
                return
            if msg["parent_header"].get("msg_id") == parent_msg_id:
                try:
                    self.process_message(msg, cell, cell_index)
                except CellExecutionComplete:
                    pass


def stop_group(pgid):
    if not pgid:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        except PermissionError:
            return
        time.sleep(0.5)


def run(path, timeout, write):
    nb = nbformat.read(path, as_version=4)
    client = DenoNotebookClient(
        nb,
        kernel_name="deno",
        timeout=timeout,
        startup_timeout=120,
        allow_errors=False,
        record_timing=False,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}},
    )
    started = time.monotonic()
    error = None
    pgid = None
    try:
        with client.setup_kernel():
            provisioner = getattr(client.km, "provisioner", None)
            pgid = getattr(provisioner, "pgid", None)
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
    except CellExecutionError as e:
        error = str(e).strip().splitlines()[-1] if str(e).strip() else "a cell failed"
        error = f"{error}\n{str(e)[:2000]}"
    except CellTimeoutError:
        error = f"a cell ran longer than {timeout} s"
    except DeadKernelError as e:
        error = f"the kernel died: {e}"
    finally:
        stop_group(pgid)
    seconds = time.monotonic() - started
    if error is None and write:
        nbformat.write(nb, path)
    return {
        "notebook": os.path.basename(path),
        "ok": error is None,
        "seconds": round(seconds, 1),
        "error": error,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+")
    parser.add_argument("--write", action="store_true", help="write the outputs back")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per cell")
    args = parser.parse_args()
    failed = False
    for path in args.notebooks:
        result = run(path, args.timeout, args.write)
        failed = failed or not result["ok"]
        print(json.dumps(result), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
