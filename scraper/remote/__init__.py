"""Scrapes past one machine: companies handed to Celery workers over Redis.

The app (or ``jobscraper scrape``) stays the one DuckDB writer: ``client.RemoteRunner`` has the
interface of ``scraper.runner.scrape`` (same events, same ``CompanyResult``) and feeds the same
pipeline; workers (``worker``) fetch and parse only. Nothing here imports Streamlit, DuckDB or
``app``.

What goes through Redis (``common`` names the keys)::

    app ──task per batch of companies (JSON)──▶ queue "jobscraper" ──▶ worker
    app ◀──"claimed" (a task), "started" and each CompanyResult (JSON) ── worker
            (one list per run: the workers push, the app pops; no result backend)
    app ──run state: running / cancelled / ended──▶ worker (polled: cancel)
    worker ──heartbeat key with a TTL──▶ app (workers online, worker lost)
    workers ⇄ per-host slot leases (JOBSCRAPER_PER_HOST for all workers together)
"""
