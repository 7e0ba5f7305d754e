"""`make load`: Locust web chat conversations against the production profile on loopback.

`python -m bench.loadtest --users 200 --duration 300` (bench/README.md, "Load").
"""
