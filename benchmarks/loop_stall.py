"""How long parsing a large board stalls the scrape's event loop: parse inline on the loop
(the baseline) vs. ``runner.parse_off_loop`` (a worker thread), in one run.

    python -m benchmarks.loop_stall [--jobs 5000] [--rounds 3]

A ticker coroutine sleeps 5 ms at a time while one large Greenhouse board (~5 KB HTML per
posting) is parsed; the longest gap between its ticks is how long every other company's
requests, reads and timeouts would have waited.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable

from benchmarks.parse import greenhouse
from scraper.boards import parse
from scraper.runner import parse_off_loop


async def _max_gap_while(work: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """(longest gap between 5 ms ticks, wall time of ``work``) in seconds."""
    done = asyncio.Event()
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0.02)
    start = time.perf_counter()
    await work()
    wall = time.perf_counter() - start
    done.set()
    await tick
    return max(gaps), wall


async def _inline(payload: bytes) -> object:
    return parse("greenhouse", payload, board="bench", url="https://example.com", now=None)


async def _threaded(payload: bytes) -> object:
    return await parse_off_loop("greenhouse", payload, board="bench", url="https://example.com", now=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    payload = greenhouse(args.jobs, random.Random(1))
    results: dict[str, list[tuple[float, float]]] = {"inline": [], "thread": []}
    for _ in range(args.rounds):
        results["inline"].append(asyncio.run(_max_gap_while(lambda: _inline(payload))))
        results["thread"].append(asyncio.run(_max_gap_while(lambda: _threaded(payload))))
    print(f"greenhouse board: {args.jobs:,} postings, {len(payload) / 2**20:.1f} MB; "
          f"medians of {args.rounds} rounds")
    print(f"{'parse':<28}{'longest loop stall':>20}{'parse wall time':>18}")
    med = {k: (statistics.median(g for g, _ in v), statistics.median(w for _, w in v))
           for k, v in results.items()}
    print(f"{'inline on the loop (base)':<28}{med['inline'][0]:>19.3f}s{med['inline'][1]:>17.2f}s")
    print(f"{'parse_off_loop (thread)':<28}{med['thread'][0]:>19.3f}s{med['thread'][1]:>17.2f}s")
    print(f"stall ratio: inline / thread = {med['inline'][0] / med['thread'][0]:.0f}x; "
          f"wall time ratio thread / inline = {med['thread'][1] / med['inline'][1]:.2f}")


if __name__ == "__main__":
    main()
