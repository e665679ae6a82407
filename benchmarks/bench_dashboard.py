"""Benchmark of the dashboard's play loop: simulated weeks a second, as a session plays.

Measures, in one process and without a browser, what the server does while a page plays: the
policy run and its baseline step together (:class:`sim.policy.dashboard_model.Player`), and after
each batch of weeks the page is redrawn (every chart rendered to PNG, and the table of effects),
as :func:`sim.policy.dashboard.Page` does. The browser adds the transfer of the images; the
browser test (``tests/test_dashboard.py``) prints the rate it sees through the page.

Prints the set-up time, the cost of a week of stepping and of one redraw, and the rate of a full
play (weeks a second, redraws included) against the aim of at least 5 simulated weeks a second
at the default scale on a 2-core machine; with ``--every-week`` also the rate when every week is
redrawn (how the page worked before: about 0.3 weeks a second).

The first weeks of a process load compiled kernels; the timed play starts after
``--warm-up`` untimed weeks of another comparison. Run it on a quiet machine, several times: a
shared machine's speed drifts (``benchmarks/README.md``).

Usage::

    python benchmarks/bench_dashboard.py                    # England & Wales, default scale
    python benchmarks/bench_dashboard.py --scenario more_pios --scale 0.05 --years 3
"""

from __future__ import annotations

import argparse
import sys
import time

from sim.policy.dashboard import chart_pngs
from sim.policy.dashboard_charts import effects_html
from sim.policy.dashboard_model import Player, PolicyComparison

#: The aim of the dashboard issue: simulated weeks a second at the default scale.
AIM_WEEKS_PER_SECOND = 5.0


def _redraw(model: PolicyComparison) -> None:
    chart_pngs(model)
    effects_html(model)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table; exit status 1 if the rate misses the aim."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default="england_wales")
    p.add_argument("--scale", type=float, default=None, help="default: the dashboard's (0.02)")
    p.add_argument("--years", type=int, default=5)
    p.add_argument("--warm-up", type=int, default=20, help="untimed weeks before timing")
    p.add_argument(
        "--every-week", type=int, default=0, help="also time this many weeks redrawn every week"
    )
    args = p.parse_args(argv)

    warm = PolicyComparison(args.scenario, scale=args.scale, years=args.years)
    for _ in range(args.warm_up):
        warm.step()
    _redraw(warm)

    started = time.perf_counter()
    model = PolicyComparison(args.scenario, scale=args.scale, years=args.years)
    setup = time.perf_counter() - started
    redraws = []

    def redraw() -> None:
        t = time.perf_counter()
        _redraw(model)
        redraws.append(time.perf_counter() - t)

    player = Player(model, page_open=lambda: True, say=print)
    started = time.perf_counter()
    reason = player.play(lambda: True, redraw)
    elapsed = time.perf_counter() - started
    weeks = player.weeks_stepped
    rate = weeks / elapsed
    drawing = sum(redraws)
    print(f"scenario {args.scenario}, scale {model.settings['scale']:g}, {weeks} weeks ({reason})")
    print(f"  set-up               {setup:8.2f} s")
    print(f"  stepping a week      {1000 * (elapsed - drawing) / weeks:8.1f} ms (both runs)")
    print(
        f"  one redraw           {1000 * drawing / len(redraws):8.1f} ms ({len(redraws)} redraws)"
    )
    print(f"  weeks per redraw     {weeks / len(redraws):8.1f}")
    print(f"  rate                 {rate:8.1f} simulated weeks a second, redraws included")
    if args.every_week:
        model = PolicyComparison(args.scenario, scale=args.scale, years=args.years)
        started = time.perf_counter()
        for _ in range(args.every_week):
            model.step()
            _redraw(model)
        slow = args.every_week / (time.perf_counter() - started)
        print(f"  rate, every week drawn {slow:6.2f} simulated weeks a second")
    ok = rate >= AIM_WEEKS_PER_SECOND
    print(f"check: rate >= {AIM_WEEKS_PER_SECOND:g} weeks a second: {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
