"""Helpers shared by the tests, the benchmarks and the screenshot script (so none of them imports another)."""
