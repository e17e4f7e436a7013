"""Benchmarks behind `tradelane bench`: gas flows (shared with the gas snapshot test),
throughput against the node's own ceiling, and scale. See BENCHMARKS.md."""
