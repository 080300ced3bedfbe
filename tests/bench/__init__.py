"""``make bench``: each ``bench_*.py`` module here measures one area against a baseline."""
