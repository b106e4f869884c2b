#!/usr/bin/env python
"""Train a minitorch_nn model and write a run folder: ``python train.py --help``.

A thin wrapper over ``minitorch_nn.run.cli.main`` (importable and tested there).
"""
import sys

from minitorch_nn.run.cli import main

if __name__ == "__main__":
    sys.exit(main())
