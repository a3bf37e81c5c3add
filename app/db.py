"""Open the DuckDB file and bring its schema up to date with ordered, named migrations."""

from __future__ import annotations

from pathlib import Path

import duckdb


class DatabaseLockedError(RuntimeError):
    """The database file is held read-write by another process. ``str()`` names the file and
    DuckDB's words (for the operator's terminal and log); ``public`` names neither the path nor
    the holding process, for pages any visitor sees."""

    public = (
        "The database is open in another process (another copy of the app, or a "
        "`jobscraper scrape` on the same file). Ask whoever runs this server: its log "
        "names the file and the process."
    )


COMPANY_DELETED = "its company was deleted"

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_companies",
        """
        CREATE SEQUENCE IF NOT EXISTS company_id_seq START 1;
        CREATE TABLE companies (
            company_id INTEGER PRIMARY KEY DEFAULT nextval('company_id_seq'),
            name VARCHAR NOT NULL,
            ats VARCHAR NOT NULL,
            board VARCHAR NOT NULL,
            url VARCHAR NOT NULL,
            enabled BOOLEAN NOT NULL DEFAULT true,
            created_at TIMESTAMP NOT NULL DEFAULT (now()::TIMESTAMP),
            UNIQUE (ats, board)
        );
        """,
    ),
    (
        "0002_runs",
        """
        CREATE SEQUENCE IF NOT EXISTS run_id_seq START 1;
        CREATE TABLE runs (
            run_id INTEGER PRIMARY KEY DEFAULT nextval('run_id_seq'),
            trigger VARCHAR NOT NULL,
            state VARCHAR NOT NULL,
            started_at TIMESTAMP NOT NULL,
            finished_at TIMESTAMP,
            companies_total INTEGER NOT NULL DEFAULT 0,
            companies_ok INTEGER NOT NULL DEFAULT 0,
            companies_failed INTEGER NOT NULL DEFAULT 0,
            jobs_new INTEGER NOT NULL DEFAULT 0,
            jobs_closed INTEGER NOT NULL DEFAULT 0,
            error VARCHAR
        );
        CREATE TABLE run_results (
            run_id INTEGER NOT NULL,
            company_id INTEGER NOT NULL,
            state VARCHAR NOT NULL,
            jobs_seen INTEGER NOT NULL DEFAULT 0,
            jobs_new INTEGER NOT NULL DEFAULT 0,
            jobs_closed INTEGER NOT NULL DEFAULT 0,
            duration_ms INTEGER NOT NULL DEFAULT 0,
            error VARCHAR,
            finished_at TIMESTAMP NOT NULL,
            PRIMARY KEY (run_id, company_id)
        );
        """,
    ),
    (
        "0003_jobs",
        """
        CREATE TABLE jobs (
            job_id VARCHAR PRIMARY KEY,
            company_id INTEGER,
            source VARCHAR NOT NULL,
            board VARCHAR NOT NULL,
            external_id VARCHAR NOT NULL,
            title VARCHAR NOT NULL,
            company VARCHAR,
            url VARCHAR NOT NULL,
            location VARCHAR,
            locations VARCHAR[],
            workplace VARCHAR,
            department VARCHAR,
            employment_type VARCHAR,
            posted_at TIMESTAMP,
            updated_at TIMESTAMP,
            salary_min DOUBLE,
            salary_max DOUBLE,
            salary_currency VARCHAR,
            salary_period VARCHAR,
            salary_source VARCHAR,
            description_text VARCHAR,
            description_html VARCHAR,
            salary_year_min DOUBLE,
            salary_year_max DOUBLE,
            first_seen_at TIMESTAMP NOT NULL,
            last_seen_at TIMESTAMP NOT NULL,
            closed_at TIMESTAMP,
            first_seen_run INTEGER,
            last_seen_run INTEGER,
            status VARCHAR NOT NULL DEFAULT 'new',
            starred BOOLEAN NOT NULL DEFAULT false,
            notes VARCHAR
        );
        """,
    ),
    (
        "0004_settings",
        """
        CREATE TABLE app_settings (
            key VARCHAR PRIMARY KEY,
            value VARCHAR
        );
        """,
    ),
    (
        # Which run closed a job, so "closed in the latest run" is one equality.
        "0005_jobs_closed_run",
        "ALTER TABLE jobs ADD COLUMN closed_run INTEGER;",
    ),
    (
        # The search index keys its documents by an integer: a million matching ids then
        # travel to DuckDB as one column. Filled for existing rows and by every insert.
        "0012_jobs_doc_key",
        """
        CREATE SEQUENCE IF NOT EXISTS job_doc_key_seq START 1;
        ALTER TABLE jobs ADD COLUMN doc_key BIGINT DEFAULT nextval('job_doc_key_seq');
        """,
    ),
    (
        # The normalized employment type beside the board's text. Rescrapes set it from
        # scraper.normalize.normalize_employment_type; this backfill is the same rules in
        # SQL (RE2), as they stood when it was written, for rows no scrape will see again.
        "0017_jobs_employment_kind",
        r"""
        ALTER TABLE jobs ADD COLUMN employment_kind VARCHAR;
        UPDATE jobs SET employment_kind = CASE
            WHEN regexp_matches(w, '\b(?:interns?|internships?|co op|praktik\w*|stagiaire|traineeships?|trainees?|apprentice\w*|ausbildung|azubi|alternance|pasant\w*|estagi\w*)\b') THEN 'internship'
            WHEN regexp_matches(w, '\b(?:temporary|temp|fixed term|seasonal|befristet|interim|limited term|cdd|temporal|tempor[aá]rio)\b') THEN 'temporary'
            WHEN regexp_matches(w, '\b(?:contracts?|contractors?|contracting|freelance\w*|consultant|c2c|corp to corp|1099|self employed|b2b)\b') THEN 'contract'
            WHEN regexp_matches(w, '\b(?:part time|half time|teilzeit|working student|werkstudent\w*|temps partiel|tiempo parcial|medio tiempo|meio per[ií]odo)\b') THEN 'part-time'
            WHEN regexp_matches(w, '\b(?:full time|permanent|regular|vollzeit|festanstellung|unbefristet|cdi|temps plein|tiempo completo|tempo integral)\b') THEN 'full-time'
            ELSE 'other' END
        FROM (
            SELECT job_id AS id, regexp_replace(regexp_replace(trim(regexp_replace(lower(
                       regexp_replace(employment_type, '([a-z])([A-Z])', '\1 \2', 'g')),
                       '[^\pL\pN]+', ' ', 'g')),
                       '\b(full|part|half)(time)\b', '\1 \2', 'g'),
                       '\b(permanent|employment|unlimited|indefinite|open ended|regular|work|fixed term|temporary) contracts?\b',
                       '\1', 'g') AS w
            FROM jobs WHERE employment_type IS NOT NULL AND trim(employment_type) <> ''
        ) AS words
        WHERE jobs.job_id = words.id;
        """,
    ),
    (
        # Who did what (append-only), a version per job's team fields and per company so a
        # stale save overwrites nothing, and each person's last visit.
        "0014_people",
        """
        ALTER TABLE jobs ADD COLUMN team_version INTEGER DEFAULT 0;
        ALTER TABLE companies ADD COLUMN version INTEGER DEFAULT 0;
        CREATE SEQUENCE IF NOT EXISTS activity_id_seq START 1;
        CREATE TABLE activity (
            activity_id BIGINT PRIMARY KEY DEFAULT nextval('activity_id_seq'),
            "at" TIMESTAMP NOT NULL,
            who VARCHAR NOT NULL,
            who_key VARCHAR,
            verified BOOLEAN NOT NULL DEFAULT false,
            kind VARCHAR NOT NULL,
            target VARCHAR,
            label VARCHAR,
            company_id INTEGER,
            version INTEGER,
            old VARCHAR,
            new VARCHAR
        );
        CREATE TABLE visits (
            who_key VARCHAR PRIMARY KEY,
            last_visit_at TIMESTAMP NOT NULL
        );
        """,
    ),
    (
        # Why a job closed when not by a scrape (null: it left the board). Jobs kept from a
        # deleted company were left open forever: close them, saying why.
        "0015_jobs_closed_reason",
        f"""
        ALTER TABLE jobs ADD COLUMN closed_reason VARCHAR;
        UPDATE jobs SET closed_at = now()::TIMESTAMP, closed_reason = '{COMPANY_DELETED}'
        WHERE company_id IS NULL AND closed_at IS NULL;
        """,
    ),
    (
        # Saved searches (a named Jobs view shared by the team, with Apprise targets), the
        # jobs each run added or closed that matched one, and every notification's outcome.
        "0018_saved_searches",
        """
        CREATE SEQUENCE IF NOT EXISTS saved_search_id_seq START 1;
        CREATE TABLE saved_searches (
            search_id INTEGER PRIMARY KEY DEFAULT nextval('saved_search_id_seq'),
            name VARCHAR NOT NULL,
            params VARCHAR NOT NULL,
            targets VARCHAR[] NOT NULL DEFAULT [],
            notify VARCHAR NOT NULL DEFAULT 'run',
            created_at TIMESTAMP NOT NULL,
            created_by VARCHAR NOT NULL,
            created_by_key VARCHAR,
            updated_at TIMESTAMP NOT NULL,
            updated_by VARCHAR NOT NULL,
            updated_by_key VARCHAR,
            last_run_id INTEGER,
            last_new INTEGER NOT NULL DEFAULT 0,
            last_closed INTEGER NOT NULL DEFAULT 0,
            last_evaluated_at TIMESTAMP,
            digest_at TIMESTAMP,
            digest_run_id INTEGER
        );
        CREATE TABLE saved_search_matches (
            search_id INTEGER NOT NULL,
            run_id INTEGER NOT NULL,
            job_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            PRIMARY KEY (search_id, run_id, job_id)
        );
        CREATE SEQUENCE IF NOT EXISTS delivery_id_seq START 1;
        CREATE TABLE saved_search_deliveries (
            delivery_id BIGINT PRIMARY KEY DEFAULT nextval('delivery_id_seq'),
            search_id INTEGER NOT NULL,
            target_key VARCHAR NOT NULL,
            target VARCHAR NOT NULL,
            "at" TIMESTAMP NOT NULL,
            reason VARCHAR NOT NULL,
            run_id INTEGER,
            jobs INTEGER NOT NULL DEFAULT 0,
            ok BOOLEAN NOT NULL,
            error VARCHAR
        );
        """,
    ),
]


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migrations not yet recorded in ``schema_migrations``; returns their names."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL)"
    )
    done = {row[0] for row in con.execute("SELECT name FROM schema_migrations").fetchall()}
    applied = []
    for name, sql in MIGRATIONS:
        if name in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, now()::TIMESTAMP)", [name]
            )
            con.execute("COMMIT")
        except duckdb.Error:
            con.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied


def connect(path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open (creating its folder) and migrate the database at ``path`` (``:memory:`` works).

    Raises DatabaseLockedError when another process holds the file.
    """
    target = str(path)
    if target != ":memory:":
        Path(target).expanduser().parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(target)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DatabaseLockedError(
                f"The database {target} is open in another process (is the app or another "
                f"`jobscraper scrape` running?). Stop that process, or use another file with "
                f"--db / JOBSCRAPER_DB. DuckDB said: {exc}"
            ) from exc
        raise
    con.execute("SET TimeZone = 'UTC'")
    # Long queries would otherwise draw progress bars into the server's log.
    con.execute("SET enable_progress_bar = false")
    migrate(con)
    return con
