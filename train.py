#!/usr/bin/env python
"""Train a minitorch_nn model and write a run folder: ``python train.py --help``.

A thin wrapper over ``minitorch_nn.run.cli.main`` (importable and tested there).
"""
import sys

if __name__ == "__main__":
    try:
        from minitorch_nn.run.cli import main
    except KeyboardInterrupt:  # Ctrl-C while the package loads: nothing has started yet
        print("train.py: error: interrupted while starting; nothing was written", file=sys.stderr)
        sys.exit(130)
    sys.exit(main())
