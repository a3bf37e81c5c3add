"""Scrapes past one machine: companies handed to Celery workers over Redis.

The app (or ``jobscraper scrape``) stays the one DuckDB writer: ``client.RemoteRunner`` has the
interface of ``scraper.runner.scrape`` (same events, same ``CompanyResult``) and feeds the same
pipeline; workers (``worker``) fetch and parse only. Nothing here imports Streamlit, DuckDB or
``app``.

What goes through Redis (``common`` names the keys)::

    app ──task per company (JSON)──▶ queue "jobscraper" ──▶ worker
    app ◀──"claimed" / "started" events (a list per run)──── worker
    app ◀──the CompanyResult (JSON, Celery's result backend)── worker
    app ──run state: running / cancelled / ended──▶ worker (polled: cancel)
    worker ──heartbeat key with a TTL──▶ app (workers online, worker lost)
    workers ⇄ per-host slot leases (JOBSCRAPER_PER_HOST for all workers together)
"""
