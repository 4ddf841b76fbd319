"""Benchmarks of the hub: landing throughput against plain COPY, and batch validation time.

Run with ``python -m bench`` (``make bench``); see BENCHMARKS.md.
"""
