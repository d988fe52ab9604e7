"""The store: one SQLite file that remembers every run and every exchange with the model, and
answers a request it has seen before without a call.

Beside the pipeline, not a stage of it: the model client writes each exchange as it happens and
reads verified answers back; the pipeline opens a run and closes it. What is stored:

- `runs`: inputs, settings (never a key), the briefing's JSON, usage, cost, duration, exit status,
  and the process that ran it (pid, host, and on Linux the boot, pid namespace and start time that
  tell it from a later process with the same pid);
- `exchanges`: every request sent (its body: the key travels in a header, which is never stored),
  the response, status, latency, tokens (cached too), transport attempt, re-ask number, and the
  verification errors that made the model answer again;
- `answers`: for the first request of each story (or part), the answer its exchange ended with,
  once that answer passed verification. The same request again is answered from here;
- `endpoints`: per base URL and model, the pace the endpoint held; `models`, per base URL and
  model, what the server said of itself when probed (`extract._probe.EndpointFacts`) and what
  runs learned since (a context window a refusal stated, how its tokens compare with the
  estimate), so that the next run neither probes it again nor learns it again.

Credentials never go in: not the API key, and not those a base URL may carry
(`https://user:secret@host/v1?api-key=...`): wherever the store records a base URL — a run's or a
batch's settings, the pace of an endpoint — and in what an exchange's error, response or a
briefing's failure reasons repeat of it, the password, a user name standing alone (often a token)
and the values of query parameters named like secrets are `[redacted]`. `request_key` still hashes
the URL as given, so a stored answer is found whatever the redaction; only the hash is stored.

The stdlib `sqlite3` rather than sqlite-utils: the store needs few queries, and control over the
file's mode, WAL, `busy_timeout` and what happens when the file is not ours. The file is private
(0600, like other tools' history and credential stores: it holds article text, prompts and
answers), whether created here or adopted empty; SQLite gives its `-wal` and `-shm` files the
same mode. A corrupt or foreign file is refused with a one-line error, never overwritten. A store
in a place that cannot be written (a read-only folder or file system) is opened to read: its
runs can be listed and its answers reused, and the first write says, once, that nothing is
recorded. A store that fails to write later (disk full) is given up for the rest of the run, said
once. Every write commits at once, so a run killed at any moment leaves a store that opens and
resumes; a run whose process is gone is listed as `stopped`, and the counts of a run that did not
finish come from the exchanges it recorded.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import logging
import os
import re
import secrets
import socket
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ._control import shown_name
from ._errors import ConfigurationError
from ._redact import REDACTED, redact, url_secrets, without_credentials
from ._settings import Settings

__all__ = [
    "REDACTED",
    "SCHEMA_VERSION",
    "Store",
    "default_store_path",
    "request_key",
    "url_secrets",
    "without_credentials",
]

logger = logging.getLogger("summarizer")

SCHEMA_VERSION = 5
_APPLICATION_ID = 0x53554D4D  # "SUMM": marks the file as ours (PRAGMA application_id)
_PRIVATE = 0o600

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
    """
    -- the process that runs it, to tell a run going on from one whose process is gone
    ALTER TABLE runs ADD COLUMN pid INTEGER;
    ALTER TABLE runs ADD COLUMN host TEXT;
    -- Linux: boot id, pid namespace and start time, which a later process with the pid lacks
    ALTER TABLE runs ADD COLUMN process TEXT
    """,
    """
    CREATE TABLE models (
        endpoint TEXT PRIMARY KEY,       -- base URL (without credentials) and model
        facts TEXT NOT NULL,             -- JSON: what the server said when probed
        learned TEXT,                    -- JSON: what runs learned of its context window since
        updated TEXT NOT NULL
    )
    """,
]


def default_store_path() -> Path:
    """`summarizer/store.db` in the user's data directory."""
    import platformdirs

    return Path(platformdirs.user_data_dir("summarizer", appauthor=False)) / "store.db"


def request_key(base_url: str | None, body: dict[str, Any]) -> str:
    """What identifies an answer: the endpoint and everything in the body that shapes it.

    A SHA-256 hash of the URL as given, credentials included: redacting them first would orphan
    every stored answer, and only the hash is ever stored."""
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


# --- credentials out of what is recorded --------------------------------------------------------

# A setting whose name says it is a secret is not recorded at all (the key is left out by the
# pipeline already; this keeps out one a caller or a later setting adds).
_SECRET_SETTING = re.compile(r"api_?key|secret|password|passwd|credential", re.I)


def _recorded(settings: dict[str, Any]) -> dict[str, Any]:
    """Settings as the store keeps them: no secret-named setting, no URL with its credentials."""

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return without_credentials(value)
        if isinstance(value, dict):
            return {name: clean(each) for name, each in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(each) for each in value]
        return value

    return {
        name: clean(value) for name, value in settings.items() if not _SECRET_SETTING.search(name)
    }


# --- whether the process of a run is still there -------------------------------------------------


def _process_start(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot, from /proc), or None if there is no such
    process, it has exited (a zombie), or this system has no /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()  # the name in parentheses may hold spaces
    if len(fields) < 20 or fields[0] in ("Z", "X"):
        return None
    return fields[19]


@functools.cache
def _this_machine() -> str | None:
    """This boot of this kernel and this pid namespace (Linux), or None."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        return f"{boot} {os.readlink('/proc/self/ns/pid')}"
    except OSError:
        return None


def _this_process() -> str | None:
    """What tells this process from any other that has, or will have, its pid."""
    machine, start = _this_machine(), _process_start(os.getpid())
    return None if machine is None or start is None else f"{machine} {start}"


def _gone(pid: int | None, host: str | None, process: str | None) -> bool:
    """Whether the process that recorded a run as running has certainly ended. A process on
    another machine, in another pid namespace (a container) or of a run recorded before pids were
    cannot be looked at: it is not called gone."""
    if pid is None:
        return False
    machine = _this_machine()
    if process is not None and machine is not None:
        recorded_machine, _, start = process.rpartition(" ")
        if recorded_machine == machine:
            return _process_start(pid) != start  # ended, or its pid now another process's
        boot = recorded_machine.split(" ", 1)[0]
        # Same host name, another boot: this machine restarted since (a power loss, a crash).
        return host == socket.gethostname() and not machine.startswith(boot + " ")
    if host != socket.gethostname() or os.name == "nt":  # signal 0 on Windows would kill it
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # another user's: it is there
        return False
    return False


def _why_not_writable(place: Path) -> str:
    try:
        read_only = bool(os.statvfs(place).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # no statvfs on Windows
        read_only = False
    return "read-only file system" if read_only else "no permission"


class Store:
    """One store file. Safe to share between the concurrent requests of a run (a lock serialises
    writes) and between runs at once (WAL, a busy timeout).

    `read_only=True` opens it only to read (what `summarizer log` needs): it neither creates,
    sets up nor writes the file. A store in a place that cannot be written is opened that way
    without being asked."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path).expanduser()
        self._lock = threading.Lock()
        # Why nothing can be written, once known; said at the first write, once.
        self._cannot_write: str | None = None
        self._only_reading = False
        self._said = False
        # The secrets of each run's URLs, to keep what a server repeats of them out of the record.
        self._secrets: dict[str, list[str]] = {}
        self._db = self._open_to_read(None) if read_only else self._open()
        if read_only and self._cannot_write is None:  # it was upgraded first: still only read
            self._cannot_write, self._only_reading = "opened to read only", True

    @property
    def writable(self) -> bool:
        return self._cannot_write is None

    # --- opening ------------------------------------------------------------------------------

    def _refuse(self, reason: str, *, move_aside: bool = True) -> ConfigurationError:
        advice = "move it aside (or pass another --store, or --no-store)"
        return ConfigurationError(
            f"{shown_name(str(self.path))}: {reason}; "
            + (advice if move_aside else "pass another --store, or --no-store")
        )

    def _why_unwritable(self) -> str | None:
        """Why this store cannot be written, if it cannot: the file, or its folder (SQLite writes
        its journal beside it)."""
        folder = self.path.absolute().parent
        if self.path.exists() and not os.access(self.path, os.W_OK):
            return f"the file cannot be written ({_why_not_writable(self.path)})"
        if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
            shown = shown_name(str(folder))
            return f"its folder {shown} cannot be written ({_why_not_writable(folder)})"
        return None

    def _make_private(self) -> None:
        """Create the file 0600 before SQLite sees it, or make an empty one found there 0600: the
        store holds article text, prompts and answers. A store with content keeps its mode (one
        may be shared on purpose)."""
        if not self.path.exists():
            folder = self.path.absolute().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
                os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, _PRIVATE))
            except FileExistsError:
                if not self.path.exists():  # not the store, but a file where a folder must be
                    raise self._refuse(
                        "cannot create the store: a parent of it is a file, not a folder",
                        move_aside=False,
                    ) from None
                # another run created it a moment ago
            except OSError as error:
                reason = self._why_unwritable() or error.strerror or "cannot create"
                raise self._refuse(f"cannot create the store: {reason}", move_aside=False) from None
        with contextlib.suppress(OSError):  # a file that cannot be changed is found out on opening
            if self.path.is_file() and self.path.stat().st_size == 0:
                os.chmod(self.path, _PRIVATE)  # whatever the umask or whoever made it

    @staticmethod
    def _connect(target: str | Path, *, uri: bool = False) -> sqlite3.Connection:
        db = sqlite3.connect(
            target, timeout=10, isolation_level=None, check_same_thread=False, uri=uri
        )
        db.row_factory = sqlite3.Row
        return db

    @staticmethod
    def _inspect(db: sqlite3.Connection) -> tuple[set[str], int, int]:
        # Tables first: a run setting the store up at this moment commits its tables and its
        # application id together, so tables seen means the id is there to be seen too.
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        application_id = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        return tables, int(application_id), int(version)

    def _check_ours(self, db: sqlite3.Connection, tables: set[str], application_id: int) -> None:
        if tables and application_id != _APPLICATION_ID:
            db.close()
            raise self._refuse("a SQLite database of another program, not a summarizer store")

    def _open(self) -> sqlite3.Connection:
        if self.path.is_dir():
            raise self._refuse("is a folder, not a store")
        self._make_private()
        try:
            db = self._connect(self.path)
            tables, application_id, _ = self._inspect(db)
        except sqlite3.DatabaseError as error:
            unwritable = self._why_unwritable()
            if unwritable is not None:  # SQLite could not make its journal: read, write nothing
                return self._open_to_read(unwritable)
            raise self._refuse(f"not a summarizer store ({error})") from None
        self._check_ours(db, tables, application_id)
        unwritable = self._why_unwritable()
        if unwritable is not None:
            db.close()
            return self._open_to_read(unwritable)
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
                self._cannot_write = str(error)
                break
        return db

    def _open_to_read(self, unwritable: str | None) -> sqlite3.Connection:
        """The store opened read-only: `unwritable` says why it cannot be written (None: it was
        asked for). Where SQLite cannot even make the shared-memory file it reads a WAL store
        with, the file is read as immutable: in a place nothing can write, nothing changes it."""
        if not self.path.exists():
            raise self._refuse("no store there", move_aside=False)
        if not os.access(self.path, os.R_OK):
            raise self._refuse("cannot be read (no permission)", move_aside=False)
        address = "file:" + urllib.parse.quote(str(self.path.absolute()))
        queries = ["?mode=ro"] + (["?mode=ro&immutable=1"] if unwritable is not None else [])
        for query in queries:
            try:
                db = self._connect(address + query, uri=True)
            except sqlite3.DatabaseError as error:
                raise self._refuse(f"cannot be read ({error})", move_aside=False) from None
            try:
                tables, application_id, version = self._inspect(db)
                break
            except sqlite3.DatabaseError as error:
                db.close()
                if "unable to open" in str(error) and query != queries[-1]:
                    continue
                reason = f"not a summarizer store ({error})"
                raise self._refuse(reason + (f"; {unwritable}" if unwritable else "")) from None
        self._check_ours(db, tables, application_id)
        cannot = unwritable or "opened to read only"
        if not tables:
            db.close()
            raise self._refuse(f"is empty, and cannot be set up: {cannot}", move_aside=False)
        if version > SCHEMA_VERSION:
            db.close()
            raise self._refuse(self._newer(version))
        if version < SCHEMA_VERSION:
            db.close()
            if unwritable is None:  # it can be written: upgrade it, then read
                return self._open()
            raise self._refuse(
                f"store version {version} must be upgraded to {SCHEMA_VERSION}, and {unwritable}",
                move_aside=False,
            )
        db.execute("PRAGMA busy_timeout = 10000")
        self._cannot_write, self._only_reading = cannot, True
        return db

    @staticmethod
    def _newer(version: int) -> str:
        return (
            f"written by a newer summarizer (store version {version}, this one knows "
            f"{SCHEMA_VERSION})"
        )

    def _migrate(self, db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise self._refuse(self._newer(version))
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

    def _say_cannot_write(self) -> None:
        if self._said:
            return
        self._said = True
        then = (
            "this run uses the answers stored there, but records nothing"
            if self._only_reading
            else "this run goes on without caching or a record"
        )
        logger.warning(
            "store %s: cannot write (%s); %s", shown_name(str(self.path)), self._cannot_write, then
        )

    def _write(self, sql: str, parameters: tuple[Any, ...]) -> int | None:
        if self._cannot_write is not None:
            self._say_cannot_write()
            return None
        with self._lock:
            try:
                return self._db.execute(sql, parameters).lastrowid
            except sqlite3.Error as error:
                self._cannot_write = str(error)
                self._say_cannot_write()
                return None

    def _scrubbed(self, run_id: str | None, text: str) -> str:
        """`text` without the secrets of the run's URLs, wherever a server repeated them."""
        for secret in self._secrets.get(run_id or "", []):
            text = text.replace(secret, REDACTED)
        return text

    def start_run(self, inputs: list[str], settings: dict[str, Any], profile: str) -> str:
        run_id = new_run_id()
        self._secrets[run_id] = [
            secret
            for value in settings.values()
            if isinstance(value, str) and "://" in value
            for secret in url_secrets(value)
        ]
        self._write(
            "INSERT INTO runs (id, started, status, profile, model, inputs, settings, pid, host, "
            "process) VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)",
            (
                run_id,
                _now(),
                profile,
                settings.get("model"),
                json.dumps(inputs, ensure_ascii=False),
                json.dumps(_recorded(settings), ensure_ascii=False, default=str),
                os.getpid(),
                socket.gethostname(),
                _this_process(),
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
                self._scrubbed(run_id, briefing.model_dump_json())
                if briefing is not None
                else None,
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
        scrubbed = functools.partial(self._scrubbed, run_id)
        return self._write(
            "INSERT INTO exchanges (run_id, story_id, request_key, created, request, response, "
            "status, error, latency, prompt_tokens, completion_tokens, cached_tokens, attempt, "
            "reask, from_cache, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run_id,
                story_id,
                key,
                _now(),
                scrubbed(json.dumps(request, ensure_ascii=False, default=str)),
                scrubbed(json.dumps(response, ensure_ascii=False))
                if response is not None
                else None,
                status,
                scrubbed(without_credentials(redact(error))) if error is not None else None,
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
        """A submitted batch, with what is needed to collect it after a restart (the base URL
        without its credentials: `batch` puts them back from the environment)."""
        self._write(
            "INSERT OR REPLACE INTO batches (id, created, status, profile, inputs, settings) "
            "VALUES (?, ?, 'submitted', ?, ?, ?)",
            (
                batch_id,
                _now(),
                profile,
                json.dumps(inputs),
                json.dumps(_recorded(settings), default=str),
            ),
        )

    def set_batch_status(self, batch_id: str, status: str) -> None:
        self._write("UPDATE batches SET status = ? WHERE id = ?", (status, batch_id))

    def batch(self, batch_id: str, *, base_url: str | None = None) -> dict[str, Any] | None:
        """A recorded batch: its inputs and settings. A base URL recorded without its credentials
        gets them back from `base_url` (by default the environment's OPENAI_BASE_URL), if that is
        the same URL with them; otherwise it stays redacted."""
        row = self._db.execute("SELECT * FROM batches WHERE id = ?", (batch_id,)).fetchone()
        if row is None:
            return None
        found = dict(row)
        found["inputs"] = json.loads(found["inputs"])
        found["settings"] = json.loads(found["settings"])
        recorded = found["settings"].get("base_url")
        if isinstance(recorded, str) and REDACTED in recorded:
            given = base_url if base_url is not None else _environment_base_url()
            if given is not None and without_credentials(given) == recorded:
                found["settings"]["base_url"] = given
        return found

    def remember_pace(self, endpoint: str, in_flight: int, limited: bool) -> None:
        """How many requests in flight `endpoint` held at the end of a run, for the next run's
        start."""
        self._write(
            "INSERT OR REPLACE INTO endpoints (endpoint, in_flight, limited, updated) "
            "VALUES (?, ?, ?, ?)",
            (without_credentials(endpoint), in_flight, int(limited), _now()),
        )

    def remember_model(
        self, endpoint: str, facts: dict[str, Any], learned: dict[str, Any] | None = None
    ) -> None:
        """What `endpoint` (a base URL and a model) said of itself, and what runs learned of its
        context window: the next run there uses them instead of probing. No credential of the
        URL is kept, in the key or in what the server said."""

        def kept(value: dict[str, Any]) -> str:
            return without_credentials(json.dumps(value, ensure_ascii=False, default=str))

        self._write(
            "INSERT OR REPLACE INTO models (endpoint, facts, learned, updated) VALUES (?, ?, ?, ?)",
            (
                without_credentials(endpoint),
                kept(facts),
                kept(learned) if learned is not None else None,
                _now(),
            ),
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
        row = self._row(sql, (without_credentials(endpoint),))
        return None if row is None else (int(row[0]), bool(row[1]))

    def model(self, endpoint: str) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
        """What `endpoint` said of itself and what was learned of it since (`remember_model`);
        None for one not seen before, or a record that cannot be read."""
        row = self._row(
            "SELECT facts, learned FROM models WHERE endpoint = ?", (without_credentials(endpoint),)
        )
        if row is None:
            return None
        try:
            facts = json.loads(row[0])
            learned = json.loads(row[1]) if row[1] is not None else None
        except ValueError:
            return None
        if not isinstance(facts, dict) or not isinstance(learned, dict | None):
            return None
        return facts, learned

    def _as_shown(self, run: dict[str, Any], settings: Any) -> dict[str, Any]:
        """A run as it stands: `stopped` if it is recorded as running but its process is gone,
        and, if it did not finish, the counts of the exchanges it recorded."""
        process = run.pop("process", None)
        if run["status"] == "running" and _gone(run.get("pid"), run.get("host"), process):
            run["status"] = "stopped"
        if run["requests"] is None:
            run.update(self._counted(run["id"], run.get("model"), settings))
        return run

    def _counted(self, run_id: str, model: str | None, settings: Any) -> dict[str, Any]:
        """What a run's recorded exchanges add up to, as the run would have counted it: requests
        answered (not those from the store), tokens, and the cost at the run's prices, half for
        the answers a batch gave."""
        from ._schema import Usage
        from .extract._batch_answers import BATCH_DISCOUNT
        from .extract._budget import Budget

        rows = self._db.execute(
            "SELECT batch_id IS NOT NULL, sum(from_cache = 0 AND response IS NOT NULL), "
            "sum(from_cache), coalesce(sum(prompt_tokens), 0), "
            "coalesce(sum(completion_tokens), 0), coalesce(sum(cached_tokens), 0) "
            "FROM exchanges WHERE run_id = ? GROUP BY 1",
            (run_id,),
        ).fetchall()
        prices = settings.get("prices") if isinstance(settings, dict) else None
        budget = Budget(Usage(), model or "", prices=prices if isinstance(prices, dict) else None)
        counts: dict[str, Any] = {"requests": 0, "cache_hits": 0, "prompt_tokens": 0}
        counts |= {"completion_tokens": 0, "cost_usd": budget.cost(0, 0)}
        for batched, requests, hits, prompt, completion, cached in rows:
            counts["requests"] += requests or 0
            counts["cache_hits"] += hits or 0
            counts["prompt_tokens"] += prompt
            counts["completion_tokens"] += completion
            spent = budget.cost(prompt, completion, cached)
            if spent is not None:
                counts["cost_usd"] += spent * (BATCH_DISCOUNT if batched else 1.0)
        return counts

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT id, started, finished, status, exit_code, profile, model, stories, "
            "failed_stories, requests, cache_hits, prompt_tokens, completion_tokens, cost_usd, "
            "duration, pid, host, process, settings FROM runs ORDER BY started DESC, id DESC "
            "LIMIT ?",
            (limit,),
        ).fetchall()
        shown = []
        for row in rows:
            run = dict(row)
            settings = run.pop("settings")
            shown.append(self._as_shown(run, json.loads(settings) if settings else None))
        return shown

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
        return self._as_shown(run, run.get("settings"))

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


def _environment_base_url() -> str | None:
    try:
        return Settings().base_url
    except ValidationError:  # another setting of the environment is bad: the caller says so
        return None


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
