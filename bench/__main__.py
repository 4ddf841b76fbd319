"""``python -m bench`` (``make bench BENCH_ARGS="..."``); ``--help`` lists the options."""

from bench.run import main

raise SystemExit(main())
