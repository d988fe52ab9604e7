"""The store: one SQLite file that remembers every run and every exchange with the model, and
answers a request it has seen before without a call.

Beside the pipeline, not a stage of it: the model client writes each exchange as it happens and
reads verified answers back; the pipeline opens a run and closes it. What is stored:

- `runs`: inputs, settings (never a key), the briefing's JSON, usage, cost, duration, exit status;
- `exchanges`: every request sent (its body: the key travels in a header, which is never stored),
  the response, status, latency, tokens (cached too), transport attempt, re-ask number, and the
  verification errors that made the model answer again;
- `answers`: for the first request of each story (or part), the answer its exchange ended with,
  once that answer passed verification. The same request again is answered from here.

The stdlib `sqlite3` rather than sqlite-utils: the store needs few queries, and control over the
file's mode (0600: it holds article text), WAL, `busy_timeout` and what happens when the file is
not ours — a corrupt or foreign file is refused with a one-line error, never overwritten; a store
that cannot be written (read-only, disk full) is given up for the rest of the run, said once.
Every write commits at once, so a run killed at any moment leaves a store that opens and resumes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._errors import ConfigurationError

__all__ = ["SCHEMA_VERSION", "Store", "default_store_path", "request_key"]

logger = logging.getLogger("summarizer")

SCHEMA_VERSION = 3
_APPLICATION_ID = 0x53554D4D  # "SUMM": marks the file as ours (PRAGMA application_id)

# Each entry moves the schema from version i to i + 1.
_MIGRATIONS = [
    """
    CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        started TEXT NOT NULL,
        finished TEXT,
        status TEXT NOT NULL,            -- running, ok, partial, failed, interrupted
        exit_code INTEGER,
        profile TEXT,
        model TEXT,
        inputs TEXT,                     -- JSON list
        settings TEXT,                   -- JSON, without secrets
        briefing TEXT,                   -- the briefing's JSON
        stories INTEGER,
        failed_stories INTEGER,
        requests INTEGER,
        cache_hits INTEGER,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        cost_usd REAL,
        duration REAL
    );
    CREATE TABLE exchanges (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs(id),
        story_id TEXT,
        request_key TEXT NOT NULL,
        created TEXT NOT NULL,
        request TEXT NOT NULL,           -- JSON body as sent
        response TEXT,                   -- JSON body as received
        status INTEGER,
        error TEXT,
        latency REAL,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        cached_tokens INTEGER,
        attempt INTEGER,                 -- transport attempts it took
        reask INTEGER,                   -- 0 for a story's first request, then 1, 2, ...
        from_cache INTEGER NOT NULL DEFAULT 0,
        verified INTEGER,                -- 1 passed, 0 failed verification, NULL not known
        verification_errors TEXT
    );
    CREATE INDEX exchanges_run ON exchanges(run_id, story_id);
    CREATE TABLE answers (
        request_key TEXT PRIMARY KEY,
        response TEXT NOT NULL,
        exchange_id INTEGER REFERENCES exchanges(id),
        created TEXT NOT NULL
    );
    """,
    """
    ALTER TABLE exchanges ADD COLUMN batch_id TEXT;  -- answered by this batch, not live
    CREATE TABLE batches (
        id TEXT PRIMARY KEY,
        created TEXT NOT NULL,
        status TEXT NOT NULL,
        profile TEXT,
        inputs TEXT,                     -- JSON list, to collect the batch later
        settings TEXT                    -- JSON, without secrets
    );
    """,
    """
    CREATE TABLE endpoints (
        endpoint TEXT PRIMARY KEY,       -- base URL and model
        in_flight INTEGER NOT NULL,      -- requests in flight the endpoint held at the end
        limited INTEGER NOT NULL,        -- 1 if it refused or cut the pace during that run
        updated TEXT NOT NULL
    );
    """,
]


def default_store_path() -> Path:
    """`summarizer/store.db` in the user's data directory."""
    import platformdirs

    return Path(platformdirs.user_data_dir("summarizer", appauthor=False)) / "store.db"


def request_key(base_url: str | None, body: dict[str, Any]) -> str:
    """What identifies an answer: the endpoint and everything in the body that shapes it."""
    canonical = json.dumps(
        {"endpoint": base_url or "https://api.openai.com/v1", "body": body},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def new_run_id() -> str:
    """Sortable by time, unique: '20261129-091800-3fa9c2'."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(3)


class Store:
    """One store file. Safe to share between the concurrent requests of a run (a lock serialises
    writes) and between runs at once (WAL, a busy timeout)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        self.writable = True
        self._lock = threading.Lock()
        self._warned = False
        self._db = self._open()

    # --- opening ------------------------------------------------------------------------------

    def _refuse(self, reason: str) -> ConfigurationError:
        return ConfigurationError(
            f"{self.path}: {reason}; move it aside (or pass another --store, or --no-store)"
        )

    def _open(self) -> sqlite3.Connection:
        new = not self.path.exists()
        if new:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # Created 0600 before SQLite sees it: the store holds article text.
                os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            except FileExistsError:
                new = False  # another run created it a moment ago
            except OSError as error:
                raise self._refuse(f"cannot create the store ({error.strerror})") from None
        elif self.path.is_dir():
            raise self._refuse("is a folder, not a store")
        try:
            db = sqlite3.connect(
                self.path, timeout=10, isolation_level=None, check_same_thread=False
            )
            db.row_factory = sqlite3.Row
            # Tables first: a run setting the store up at this moment commits its tables and its
            # application id together, so tables seen means the id is there to be seen too.
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            application_id = db.execute("PRAGMA application_id").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise self._refuse(f"not a summarizer store ({error})") from None
        if tables and application_id != _APPLICATION_ID:
            db.close()
            raise self._refuse("a SQLite database of another program, not a summarizer store")
        db.execute("PRAGMA busy_timeout = 10000")
        # Switching to WAL and migrating take the write lock; when two runs set up one new store
        # at once, SQLite may answer "locked" at once rather than wait: wait here, bounded.
        for attempt in range(100):
            try:
                if db.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
                    logger.info("store %s: WAL is not available; default journal", self.path)
                db.execute("PRAGMA synchronous = NORMAL")
                self._migrate(db)
                break
            except sqlite3.OperationalError as error:
                if "locked" in str(error) and attempt < 99:
                    time.sleep(0.05)
                    continue
                if not tables:
                    raise self._refuse(f"cannot be set up ({error})") from None
                self._give_up(error)
                break
        return db

    def _migrate(self, db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise self._refuse(
                f"written by a newer summarizer (store version {version}, this one knows "
                f"{SCHEMA_VERSION})"
            )
        for number in range(version, SCHEMA_VERSION):
            db.execute("BEGIN IMMEDIATE")
            try:
                # Another run may have migrated while this one waited for the lock.
                if db.execute("PRAGMA user_version").fetchone()[0] == number:
                    for statement in _MIGRATIONS[number].split(";"):
                        if statement.strip():
                            db.execute(statement)
                    db.execute(f"PRAGMA user_version = {number + 1}")
                    db.execute(f"PRAGMA application_id = {_APPLICATION_ID}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.close()

    # --- writing, which may fail without failing the run ----------------------------------------

    def _give_up(self, error: sqlite3.Error) -> None:
        self.writable = False
        if not self._warned:
            self._warned = True
            logger.warning(
                "store %s: cannot write (%s); this run goes on without caching or a record",
                self.path,
                error,
            )

    def _write(self, sql: str, parameters: tuple[Any, ...]) -> int | None:
        if not self.writable:
            return None
        with self._lock:
            try:
                return self._db.execute(sql, parameters).lastrowid
            except sqlite3.Error as error:
                self._give_up(error)
                return None

    def start_run(self, inputs: list[str], settings: dict[str, Any], profile: str) -> str:
        run_id = new_run_id()
        self._write(
            "INSERT INTO runs (id, started, status, profile, model, inputs, settings) "
            "VALUES (?, ?, 'running', ?, ?, ?, ?)",
            (
                run_id,
                _now(),
                profile,
                settings.get("model"),
                json.dumps(inputs, ensure_ascii=False),
                json.dumps(settings, ensure_ascii=False, default=str),
            ),
        )
        return run_id

    def finish_run(
        self, run_id: str, *, status: str, briefing: Any = None, exit_code: int | None = None
    ) -> None:
        usage = getattr(briefing, "usage", None)
        self._write(
            "UPDATE runs SET finished = ?, status = ?, exit_code = ?, briefing = ?, stories = ?, "
            "failed_stories = ?, requests = ?, cache_hits = ?, prompt_tokens = ?, "
            "completion_tokens = ?, cost_usd = ?, duration = "
            "(julianday(?) - julianday(started)) * 86400 WHERE id = ?",
            (
                _now(),
                status,
                exit_code,
                briefing.model_dump_json() if briefing is not None else None,
                len(briefing.stories) if briefing is not None else None,
                len(briefing.failed_stories) if briefing is not None else None,
                getattr(usage, "requests", None),
                getattr(usage, "cache_hits", None),
                getattr(usage, "prompt_tokens", None),
                getattr(usage, "completion_tokens", None),
                getattr(usage, "cost_usd", None),
                _now(),
                run_id,
            ),
        )

    def set_exit_code(self, run_id: str, exit_code: int, status: str) -> None:
        self._write(
            "UPDATE runs SET exit_code = ?, status = ? WHERE id = ?", (exit_code, status, run_id)
        )

    def record_exchange(
        self,
        *,
        run_id: str,
        story_id: str | None,
        key: str,
        request: dict[str, Any],
        response: dict[str, Any] | None,
        status: int | None,
        error: str | None,
        latency: float,
        attempt: int,
        reask: int,
        from_cache: bool,
        batch_id: str | None = None,
    ) -> int | None:
        usage = (response or {}).get("usage") or {}
        details = usage.get("prompt_tokens_details") or {}
        return self._write(
            "INSERT INTO exchanges (run_id, story_id, request_key, created, request, response, "
            "status, error, latency, prompt_tokens, completion_tokens, cached_tokens, attempt, "
            "reask, from_cache, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run_id,
                story_id,
                key,
                _now(),
                json.dumps(request, ensure_ascii=False, default=str),
                json.dumps(response, ensure_ascii=False) if response is not None else None,
                status,
                error,
                round(latency, 4),
                0 if from_cache else usage.get("prompt_tokens"),
                0 if from_cache else usage.get("completion_tokens"),
                0 if from_cache else details.get("cached_tokens"),
                attempt,
                reask,
                int(from_cache),
                batch_id,
            ),
        )

    def mark_verification(self, exchange_id: int | None, passed: bool, errors: str | None) -> None:
        if exchange_id is not None:
            self._write(
                "UPDATE exchanges SET verified = ?, verification_errors = ? WHERE id = ?",
                (int(passed), errors, exchange_id),
            )

    def remember(self, key: str, response: dict[str, Any], exchange_id: int | None) -> None:
        """`response` answers the request `key` from now on: it passed verification."""
        self._write(
            "INSERT OR REPLACE INTO answers (request_key, response, exchange_id, created) "
            "VALUES (?, ?, ?, ?)",
            (key, json.dumps(response, ensure_ascii=False), exchange_id, _now()),
        )

    def record_batch(
        self, batch_id: str, inputs: list[str], settings: dict[str, Any], profile: str
    ) -> None:
        """A submitted batch, with what is needed to collect it after a restart."""
        self._write(
            "INSERT OR REPLACE INTO batches (id, created, status, profile, inputs, settings) "
            "VALUES (?, ?, 'submitted', ?, ?, ?)",
            (batch_id, _now(), profile, json.dumps(inputs), json.dumps(settings, default=str)),
        )

    def set_batch_status(self, batch_id: str, status: str) -> None:
        self._write("UPDATE batches SET status = ? WHERE id = ?", (status, batch_id))

    def batch(self, batch_id: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT * FROM batches WHERE id = ?", (batch_id,)).fetchone()
        if row is None:
            return None
        found = dict(row)
        found["inputs"] = json.loads(found["inputs"])
        found["settings"] = json.loads(found["settings"])
        return found

    def remember_pace(self, endpoint: str, in_flight: int, limited: bool) -> None:
        """How many requests in flight `endpoint` held at the end of a run, for the next run's
        start."""
        self._write(
            "INSERT OR REPLACE INTO endpoints (endpoint, in_flight, limited, updated) "
            "VALUES (?, ?, ?, ?)",
            (endpoint, in_flight, int(limited), _now()),
        )

    # --- reading --------------------------------------------------------------------------------

    def _row(self, sql: str, parameters: tuple[Any, ...]) -> Any:
        """One row a run relies on in passing (an answer, a pace): None if absent, or if the
        store cannot be read, since the run goes on without it."""
        with self._lock:
            try:
                return self._db.execute(sql, parameters).fetchone()
            except sqlite3.Error:
                return None

    def answer(self, key: str) -> dict[str, Any] | None:
        """The verified answer to the request `key`, if one is stored."""
        row = self._row("SELECT response FROM answers WHERE request_key = ?", (key,))
        return None if row is None else dict(json.loads(row[0]))

    def pace(self, endpoint: str) -> tuple[int, bool] | None:
        """The requests in flight `endpoint` held at the end of its last run, and whether it
        refused or cut the pace then; None for an endpoint not seen before."""
        sql = "SELECT in_flight, limited FROM endpoints WHERE endpoint = ?"
        row = self._row(sql, (endpoint,))
        return None if row is None else (int(row[0]), bool(row[1]))

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT id, started, finished, status, exit_code, profile, model, stories, "
            "failed_stories, requests, cache_hits, prompt_tokens, completion_tokens, cost_usd, "
            "duration FROM runs ORDER BY started DESC, id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [dict(row) for row in rows]

    def run(self, run_id: str) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT * FROM runs WHERE id = ? OR id LIKE ? ORDER BY id DESC LIMIT 1",
            (run_id, run_id + "%"),
        ).fetchone()
        if row is None:
            return None
        run = dict(row)
        for name in ("inputs", "settings", "briefing"):
            if run.get(name):
                run[name] = json.loads(run[name])
        return run

    def exchanges(self, run_id: str, story_id: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM exchanges WHERE run_id = ?"
        parameters: tuple[Any, ...] = (run_id,)
        if story_id is not None:
            sql += " AND story_id = ?"
            parameters += (story_id,)
        rows = self._db.execute(sql + " ORDER BY id", parameters).fetchall()
        exchanges = []
        for row in rows:
            exchange = dict(row)
            for name in ("request", "response"):
                if exchange.get(name):
                    exchange[name] = json.loads(exchange[name])
            exchanges.append(exchange)
        return exchanges

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"


@contextlib.contextmanager
def opened(path: str | Path | Store | None) -> Iterator[Store | None]:
    """A store for one run: the given `Store` (left open), or one opened from a path (closed)."""
    if path is None or isinstance(path, Store):
        yield path
        return
    store = Store(path)
    try:
        yield store
    finally:
        store.close()
