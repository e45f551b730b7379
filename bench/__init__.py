"""Spotifreak benchmarks: API economy, speed and scale against the emulator (`scripts/bench`).

Run `python -m bench --help` (or `scripts/bench --help`); `bench/README.md` explains every figure.
"""
