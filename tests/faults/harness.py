"""What the fault tests share: a migrated database per test, real processes killed as a
crash kills them, and a browser of sorts that speaks HTTP to a real web server.

**Databases.** Migrating takes ten to twenty seconds, so it is done once per run, into a
template (a SQLite file, or a PostgreSQL database on the suite's server, made with
``own_database`` of :mod:`tests.imports.test_import_killed`) that also holds a small federation
and signed-in sessions (see ``BASE``). Each test gets a copy of it: a copied file, or
``CREATE DATABASE … TEMPLATE``.

**Processes.** A web server is ``branchwork serve --no-worker`` (granian and its worker
processes); a task worker is ``branchwork db_worker``. Each starts in a process group of its
own, and is killed with SIGKILL sent to the whole group, as a crash or the out-of-memory
killer leaves it: nothing of it gets to clean up. Every process a test starts is killed when
it ends, passed or not.

**Stopping at the worst moment.** A process started with ``fault=`` stops at that named point
of :mod:`branchwork.core.faults`, writes a marker file and waits there to be killed.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from tests.news.smtp import free_port

CLI = [sys.executable, "-m", "branchwork.cli"]
CSRF = "faultsfaultsfaultsfaultsfaults01"  # a CSRF secret of our own (32 characters)
SECRET = secrets.token_urlsafe(50)  # one key for the run: sessions made in the template hold

# The federation every test starts from: FED > R > A (a branch with a territory), two
# officers of A (view, edit), two treasurers of R (view, money: four eyes), each with a
# confirmed second factor and a signed-in session whose key is printed.
BASE = """
import json, time
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from branchwork.access.models import Grant, Role, User
from branchwork.org import services as org
from branchwork.org.demo import ensure_reference_data
from branchwork.org.models import TerritoryArea
ensure_reference_data()
def unit(parent, code, kind):
    return org.create_unit(actor=None, parent=parent, code=code, kind=kind,
                           name_ko=code, name_ja=code, name_en=code)
fed = unit(None, "FED", "federation")
region = unit(fed, "R", "region")
branch = unit(region, "A", "branch")
TerritoryArea.objects.create(unit=branch, kind="postal", value="544")
sessions = {}
for name, role, where in [("officer1", "officer", branch), ("officer2", "officer", branch),
                          ("treasurer1", "treasurer", region), ("treasurer2", "treasurer", region)]:
    user = User.objects.create_user(username=name, email=f"{name}@example.org",
                                    password="faults-" + "x" * 20)
    Grant.objects.create(user=user, role=Role.objects.get(code=role), unit=where,
                         valid_from=timezone.localdate())
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session["otp_device_id"] = device.persistent_id
    session["_refreshed"] = int(time.time())
    session.create()
    sessions[name] = session.session_key
print("OUT " + json.dumps(sessions))
"""


# --------------------------------------------------------------------------------------------
# Databases
# --------------------------------------------------------------------------------------------


def pg_server() -> dict[str, Any] | None:
    """The suite's PostgreSQL server (host, port, user), or None on SQLite."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return None
    return {"host": db["HOST"], "port": int(db["PORT"] or 5432), "user": db["USER"]}


@dataclass
class Template:
    """The migrated database with the base federation, and the sessions of its users."""

    url: str
    path: Path | None  # the SQLite file
    name: str  # the PostgreSQL database
    sessions: dict[str, str]
    static: Path


@dataclass
class Database:
    url: str
    connect: Callable[[], Any]
    var: Path
    static: Path
    sessions: dict[str, str]
    server: dict[str, Any] | None = None
    name: str = ""

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a process of this installation."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("BRANCHWORK_FAULT")}
        env.update(
            BRANCHWORK_ENV="test",
            BRANCHWORK_SECRET_KEY=SECRET,
            DATABASE_URL=self.url,
            BRANCHWORK_VAR_DIR=str(self.var),
            BRANCHWORK_STATIC_ROOT=str(self.static),
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        return env

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows read directly from the database (``%s`` placeholders on both)."""
        con = self.connect()
        try:
            cur = con.cursor()
            if self.server is None:
                sql = sql.replace("%s", "?")
            cur.execute(sql, params)
            return [tuple(r) for r in cur.fetchall()]
        finally:
            con.close()

    def count(self, table_and_condition: str, params: tuple[Any, ...] = ()) -> int:
        sql = f"SELECT COUNT(*) FROM {table_and_condition}"  # noqa: S608 - the test's own
        return int(self.rows(sql, params)[0][0])

    def shell(self, code: str, **extra: str) -> Any:
        """Run code in ``branchwork shell``; what it printed after ``OUT `` (as JSON)."""
        done = subprocess.run(
            [*CLI, "shell", "-c", code],
            env=self.env(**extra),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        lines = [line for line in done.stdout.splitlines() if line.startswith("OUT ")]
        return json.loads(lines[-1][4:]) if lines else None

    def tasks(self, name: str) -> list[tuple[str, list[str]]]:
        """The stored results of the task ``name``: (status, worker ids) each."""
        found = self.rows(
            "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult"
            " WHERE task_path LIKE %s",
            (f"%.{name}",),
        )
        return [(s, w if isinstance(w, list) else json.loads(w)) for s, w in found]


def make_template(base: Path) -> Iterator[Template]:
    """Migrate once, set up the base federation: the template every test copies."""
    from tests.imports.test_import_killed import own_database

    static = base / "static"
    with own_database(base) as (url, connect):
        db = Database(url, connect, base, static, {})
        done = subprocess.run([*CLI, "migrate", "-v0"], env=db.env(), capture_output=True)
        assert done.returncode == 0, done.stderr.decode()[-3000:]
        sessions = db.shell(BASE)
        subprocess.run([*CLI, "collectstatic", "--noinput", "-v0"], env=db.env(), check=True)
        path = None
        if url.startswith("sqlite"):
            path = Path(url.removeprefix("sqlite:///"))
            con = sqlite3.connect(path)
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            con.close()
        yield Template(url, path, url.rsplit("/", 1)[-1], sessions, static)


@contextlib.contextmanager
def copy_of(template: Template, tmp_path: Path) -> Iterator[Database]:
    """A database of the test's own, a copy of the template."""
    var = tmp_path / "var"
    var.mkdir()
    server = pg_server()
    if server is None:
        assert template.path is not None
        path = tmp_path / "db.sqlite3"
        shutil.copyfile(template.path, path)
        yield Database(
            f"sqlite:///{path}",
            lambda: sqlite3.connect(path),
            var,
            template.static,
            template.sessions,
        )
        return
    import psycopg

    name = f"faults_{uuid.uuid4().hex[:8]}"
    admin = {**server, "dbname": "postgres"}
    with psycopg.connect(**admin, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template.name}"')
    try:
        yield Database(
            f"postgres://{server['user']}@{server['host']}:{server['port']}/{name}",
            lambda: psycopg.connect(**{**server, "dbname": name}),
            var,
            template.static,
            template.sessions,
            server=server,
            name=name,
        )
    finally:
        with psycopg.connect(**admin, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --------------------------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------------------------


class Proc:
    """A process group of ours: a web server or a task worker."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("ab") as out:
            self.popen = subprocess.Popen(  # noqa: S603 - our own command
                command,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: killed whole
            )

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL to every process of the group, as a crash: nothing cleans up."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=30)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@dataclass
class Processes:
    """Starts the installation's processes; ``close`` kills every one still running."""

    db: Database
    started: list[Proc] = field(default_factory=list)
    count: int = 0

    def _start(self, command: list[str], fault: str, after: int, **extra: str) -> Proc:
        self.count += 1
        env = self.db.env(**extra)
        if fault:
            env.update(
                BRANCHWORK_FAULT=fault,
                BRANCHWORK_FAULT_AFTER=str(after),
                BRANCHWORK_FAULT_FILE=str(self.marker),
                BRANCHWORK_FAULT_WAIT="120",
            )
        proc = Proc(command, env, self.db.var / f"proc-{self.count}.log")
        self.started.append(proc)
        return proc

    @property
    def marker(self) -> Path:
        return self.db.var / "at-the-point"

    def web(self, *, fault: str = "", after: int = 0, ready: bool = True, **extra: str) -> Web:
        """A web server on a port of its own; with ``ready``, once it answers."""
        port = free_port()
        command = [*CLI, "serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port)]
        proc = self._start([*command, "--threads", "4"], fault, after, **extra)
        web = Web(proc, port)
        if ready:
            web.wait_ready()
        return web

    def worker(self, *, fault: str = "", after: int = 0, worker_id: str = "", **extra: str) -> Proc:
        command = [*CLI, "db_worker", "--no-reload", "--interval", "0.2", "--no-startup-delay"]
        if worker_id:
            command += ["--worker-id", worker_id]
        return self._start(command, fault, after, **extra)

    def close(self) -> None:
        for proc in self.started:
            proc.kill()


@contextlib.contextmanager
def processes(db: Database) -> Iterator[Processes]:
    procs = Processes(db)
    try:
        yield procs
    finally:
        procs.close()


def wait_for(
    what: Callable[[], Any], timeout: float = 60, every: float = 0.05, why: str = ""
) -> Any:
    """Poll until ``what()`` is true; its value (the test fails after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        value = what()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting: {why or what}")
        time.sleep(every)


def stop_at_point(procs: Processes, proc: Proc, action: Callable[[], Any] | None = None) -> None:
    """Run ``action`` (a request that reaches the fault point) beside us, wait until ``proc``
    is at the point, and kill it there."""
    answered: list[Any] = []
    if action is not None:

        def send() -> None:
            try:
                answered.append(action())
            except Exception:  # noqa: BLE001 - the answer never comes: the server dies
                return

        threading.Thread(target=send, daemon=True).start()
    wait_for(
        lambda: procs.marker.exists() or not proc.alive() or answered,
        timeout=120,
        why="the fault point",
    )
    assert procs.marker.exists(), (answered, proc.output())
    proc.kill()
    procs.marker.unlink()


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    location: str
    text: str


class Web:
    """A running ``branchwork serve`` and the requests sent to it."""

    def __init__(self, proc: Proc, port: int) -> None:
        self.proc, self.port = proc, port

    def wait_ready(self) -> None:
        def ready() -> bool:
            if not self.proc.alive():
                raise AssertionError(self.proc.output())
            try:
                return self.request("GET", "/healthz", {}, timeout=2).text == "ok"
            except OSError:
                return False

        wait_for(ready, timeout=90, every=0.1, why="the web server")

    def kill(self) -> None:
        self.proc.kill()

    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes | None = None,
        timeout: float = 60,
    ) -> Response:
        con = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            con.request(method, path, body=body, headers=headers)
            answer = con.getresponse()
            return Response(
                answer.status,
                answer.getheader("Location", ""),
                answer.read().decode("utf-8", "replace"),
            )
        finally:
            con.close()

    def as_user(self, session: str) -> Browser:
        return Browser(self, session)


class Browser:
    """One signed-in person's requests: their session and CSRF cookies; messages (kept in a
    cookie) carried from a POST to the page it redirects to."""

    def __init__(self, web: Web, session: str) -> None:
        self.web = web
        self.cookies = {"sessionid": session, "csrftoken": CSRF}

    def _send(self, method: str, path: str, body: bytes | None, kind: str) -> Response:
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Accept-Language": "en",
            "Host": f"127.0.0.1:{self.web.port}",
        }
        if method == "POST":
            headers.update({"X-CSRFToken": CSRF, "Content-Type": kind})
        con = http.client.HTTPConnection("127.0.0.1", self.web.port, timeout=120)
        try:
            con.request(method, path, body=body, headers=headers)
            answer = con.getresponse()
            for raw in answer.headers.get_all("Set-Cookie") or []:
                jar: SimpleCookie = SimpleCookie()
                jar.load(raw)
                for name, morsel in jar.items():
                    if morsel.value and morsel["max-age"] != "0":
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
            return Response(
                answer.status,
                answer.getheader("Location", ""),
                answer.read().decode("utf-8", "replace"),
            )
        finally:
            con.close()

    def get(self, path: str) -> Response:
        return self._send("GET", path, None, "")

    def post(
        self,
        path: str,
        fields: dict[str, str] | list[tuple[str, str]],
        files: dict[str, tuple[str, bytes]] | None = None,
        follow: bool = True,
    ) -> Response:
        """POST a form (multipart when it carries files); with ``follow``, the page it
        redirects to (where its messages show)."""
        if files:
            boundary = uuid.uuid4().hex
            parts: list[bytes] = []
            items = fields.items() if isinstance(fields, dict) else fields
            for name, value in items:
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                    f"{value}\r\n".encode()
                )
            for name, (filename, data) in files.items():
                head = (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                    f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                )
                parts.append(head.encode() + data + b"\r\n")
            parts.append(f"--{boundary}--\r\n".encode())
            answer = self._send(
                "POST", path, b"".join(parts), f"multipart/form-data; boundary={boundary}"
            )
        else:
            answer = self._send(
                "POST", path, urlencode(fields).encode(), "application/x-www-form-urlencoded"
            )
        if follow and answer.status in (301, 302, 303):
            return self.get(urlsplit(answer.location).path + _query(answer.location))
        return answer


def _query(location: str) -> str:
    query = urlsplit(location).query
    return f"?{query}" if query else ""


# --------------------------------------------------------------------------------------------
# A PostgreSQL server of a test's own (to restart it without touching the suite's)
# --------------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent.parent
TESTDB = ROOT / "scripts" / "testdb.sh"


def _bindir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    return Path(os.environ.get("PG_BINDIR") or (found[-1] if found else "/usr/bin"))


def _as_owner(command: list[str]) -> None:
    """Run a server command as the cluster's owner (PostgreSQL refuses root), as testdb.sh."""
    if os.geteuid() == 0:
        command = ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(map(shlex.quote, command))]
    subprocess.run(command, check=True, capture_output=True, timeout=120)


class OwnServer:
    """A throwaway cluster started with ``scripts/testdb.sh`` on a port of its own."""

    def __init__(self, near: int) -> None:
        self.port = near + 1 if _port_free(near + 1) else free_port()
        self.data = Path(f"/tmp/branchwork-pg-{self.port}/data")
        self.options = ""

    def __enter__(self) -> OwnServer:
        subprocess.run([str(TESTDB), "start", str(self.port)], check=True, capture_output=True)
        # The options it was started with (testdb.sh's), to start it again the same way.
        opts = shlex.split((self.data / "postmaster.opts").read_text())[1:]
        at = opts.index("-D")
        self.options = " ".join(shlex.quote(o) for o in opts[:at] + opts[at + 2 :])
        return self

    def __exit__(self, *exc: object) -> None:
        subprocess.run([str(TESTDB), "stop", str(self.port)], check=False, capture_output=True)

    def url(self, name: str = "branchwork") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        _as_owner([str(_bindir() / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def start(self) -> None:
        log = str(self.data.parent / "log")
        command = [str(_bindir() / "pg_ctl"), "-D", str(self.data), "-l", log, "-w"]
        _as_owner([*command, "-o", self.options, "start"])

    def load(self, server: dict[str, Any], name: str) -> None:
        """Copy the database ``name`` of the suite's server into this one's "branchwork"."""
        dump = subprocess.run(
            [str(_bindir() / "pg_dump"), "-Fc", "-h", server["host"], "-p", str(server["port"])]
            + ["-U", server["user"], name],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(
            [str(_bindir() / "pg_restore"), "--no-owner", "-h", "127.0.0.1", "-p", str(self.port)]
            + ["-U", "postgres", "-d", "branchwork"],
            input=dump,
            check=True,
            capture_output=True,
        )


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return not Path(f"/tmp/branchwork-pg-{port}").exists()
