"""The reference service of the live node: one small HTTP service that stands in for the monolith and for each
extracted service, so that a promotion can be proven with real pods under traffic.

It runs as the platform runs every workload: the port and its name from the `<workload>-config` ConfigMap (PORT,
SERVICE_NAME), its database from the Secret the platform gives it (`*_DB_URL`: its own store's, else the
monolith's; a CQRS read model's `*_READ_URL` for its reads), a read-only root file system, an unprivileged user.
It answers

  GET /health            200 while the process runs
  GET /ready             200 once its database (and its read model's, if it has one) answers (503 before, and from
                         SIGTERM on, so it leaves the Service's endpoints before it stops)
  GET, HEAD <any path>   200 {"service", "path", "requestId", "writes", "readsFrom"}: `writes` is read from its
                         database, or from its read model's replicas (`readsFrom`: "read-model", else "primary")
  POST, PUT, PATCH,
  DELETE <any path>      201 {"service", "path", "requestId", "applied": true}: one record per write applied, in its
                         database (PostgreSQL: a row of `reference_writes`; Redis: an entry of the list
                         `reference_writes`; MongoDB: a document of that collection), so a test can count, per
                         request id, how many times a write landed across all databases (goal: exactly once)

Python's standard library and Debian's psycopg2, redis and pymongo only: the image is built from Debian packages.
"""

import json
import os
import re
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2
import psycopg2.pool
import pymongo
import pymongo.errors
import redis

SERVICE = os.environ.get("SERVICE_NAME", "reference-service")
PORT = int(os.environ.get("PORT", "8000"))
# Seconds between SIGTERM and closing the listener: the endpoint controller and kube-proxy take about a second to
# drop a terminating pod, and requests that still arrive meanwhile must be answered.
SHUTDOWN_DELAY = float(os.environ.get("REFERENCE_SHUTDOWN_DELAY_SECONDS", "5"))
# Connections to its database.
POOL_SIZE = 8


def database_url():
    """Its own store's URL (`<STORE>_DB_URL` other than the monolith's), else the monolith's, else none."""
    urls = sorted((k, v) for k, v in os.environ.items() if re.fullmatch(r"[A-Z0-9_]+_DB_URL", k) and v)
    own = [v for k, v in urls if k != "MONOLITH_DB_URL"]
    if own:
        return own[0]
    return os.environ.get("MONOLITH_DB_URL") or None


def read_model_url():
    """A CQRS read model's URL (`<STORE>_READ_URL`: its store's read replicas), else none."""
    urls = sorted(v for k, v in os.environ.items() if re.fullmatch(r"[A-Z0-9_]+_READ_URL", k) and v)
    return urls[0] if urls else None


class RedisStore:
    """A service whose own store is Redis: a write is an entry of the list `reference_writes`."""

    def __init__(self, url):
        self.client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=5)

    def ping(self):
        self.client.ping()

    def count(self):
        return self.client.llen("reference_writes")

    def record(self, request_id, method, path):
        self.client.rpush("reference_writes", json.dumps({"requestId": request_id, "service": SERVICE, "method": method, "path": path}))


class MongoStore:
    """A service whose own store is MongoDB: a write is a document of the collection `reference_writes`."""

    def __init__(self, url):
        self.client = pymongo.MongoClient(url, serverSelectionTimeoutMS=3000, connectTimeoutMS=3000)
        self.collection = self.client.get_default_database("reference")["reference_writes"]

    def ping(self):
        self.client.admin.command("ping")

    def count(self):
        return self.collection.count_documents({})

    def record(self, request_id, method, path):
        self.collection.insert_one({"requestId": request_id, "service": SERVICE, "method": method, "path": path})


class Store:
    """The service's PostgreSQL database: a small thread-safe pool, the writes table created on first contact."""

    def __init__(self, url, owner=True):
        self.url = url
        # A read replica's client creates nothing: the replica refuses writes.
        self.owner = owner
        self.pool = None
        self.lock = threading.Lock()
        # A request waits for a free connection instead of failing when all are in use (the pool itself raises).
        self.slots = threading.BoundedSemaphore(POOL_SIZE)

    def connect(self):
        with self.lock:
            if self.pool is None:
                pool = psycopg2.pool.ThreadedConnectionPool(1, POOL_SIZE, self.url, connect_timeout=3, application_name=SERVICE)
                if self.owner:
                    self._run(pool, "CREATE TABLE IF NOT EXISTS reference_writes (id bigserial PRIMARY KEY, request_id text NOT NULL, "
                              "service text NOT NULL, method text NOT NULL, path text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())")
                self.pool = pool
            return self.pool

    @staticmethod
    def _run(pool, sql, args=(), fetch=False):
        conn = pool.getconn()
        try:
            with conn:
                with conn.cursor() as cur:
                    cur.execute(sql, args)
                    return cur.fetchone() if fetch else None
        except psycopg2.OperationalError:
            pool.putconn(conn, close=True)
            conn = None
            raise
        finally:
            if conn is not None:
                pool.putconn(conn)

    def run(self, sql, args=(), fetch=False):
        with self.slots:
            return self._run(self.connect(), sql, args, fetch)

    def ping(self):
        self.run("SELECT 1")

    def count(self):
        return self.run("SELECT count(*) FROM reference_writes", fetch=True)[0]

    def record(self, request_id, method, path):
        self.run("INSERT INTO reference_writes (request_id, service, method, path) VALUES (%s, %s, %s, %s)",
                 (request_id, SERVICE, method, path))


def open_store(url):
    """The store the URL names, by its scheme."""
    if url is None:
        return None
    if url.startswith(("redis://", "rediss://")):
        return RedisStore(url)
    if url.startswith(("postgresql://", "postgres://")):
        return Store(url)
    if url.startswith(("mongodb://", "mongodb+srv://")):
        return MongoStore(url)
    raise SystemExit("%s: no client for the database URL's scheme %r" % (SERVICE, url.split(":", 1)[0]))


STORE = open_store(database_url())
# Reads go to the read model when the service has one (a PostgreSQL store's replicas), else to its store.
READER = Store(read_model_url(), owner=False) if read_model_url() and isinstance(STORE, Store) else STORE
STORE_ERRORS = (psycopg2.Error, redis.RedisError, pymongo.errors.PyMongoError)
STOPPING = threading.Event()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "career-copilot-reference/1"
    # An idle keep-alive connection is closed after 5 s, as uvicorn (the real services' server) does; the gateway
    # reuses one for 4 s at most, so it never sends on a connection being closed.
    timeout = 5

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (SERVICE, fmt % args))

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Served-By", SERVICE)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def request_id(self):
        return self.headers.get("X-Request-ID", "")

    def read(self):
        path = self.path.split("?", 1)[0]
        if path == "/health":
            return self.reply(200, {"status": "ok", "service": SERVICE})
        if path == "/ready":
            if STOPPING.is_set():
                return self.reply(503, {"status": "stopping", "service": SERVICE})
            try:
                if STORE is not None:
                    STORE.ping()
                if READER is not STORE:
                    READER.ping()
            except STORE_ERRORS as error:
                return self.reply(503, {"status": "database unavailable", "service": SERVICE, "error": str(error).strip()})
            return self.reply(200, {"status": "ready", "service": SERVICE})
        writes = None
        if READER is not None:
            try:
                writes = READER.count()
            except STORE_ERRORS as error:
                return self.reply(503, {"service": SERVICE, "error": str(error).strip()})
        reads_from = "read-model" if READER is not STORE else "primary"
        self.reply(200, {"service": SERVICE, "path": path, "requestId": self.request_id(), "writes": writes, "readsFrom": reads_from})

    def write(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        path = self.path.split("?", 1)[0]
        if STORE is None:
            return self.reply(201, {"service": SERVICE, "path": path, "requestId": self.request_id(), "applied": False})
        try:
            STORE.record(self.request_id(), self.command, path)
        except STORE_ERRORS as error:
            return self.reply(503, {"service": SERVICE, "error": str(error).strip()})
        self.reply(201, {"service": SERVICE, "path": path, "requestId": self.request_id(), "applied": True})

    do_GET = do_HEAD = read
    do_POST = do_PUT = do_PATCH = do_DELETE = write


def main():
    server = ThreadingHTTPServer(("", PORT), Handler)
    # On shutdown, the requests in flight finish (server_close joins their threads; idle connections time out).
    server.daemon_threads = False

    def stop(signum, frame):
        STOPPING.set()
        def later():
            time.sleep(SHUTDOWN_DELAY)
            server.shutdown()
        threading.Thread(target=later, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    sys.stderr.write("%s listening on :%d, database %s, read model %s\n" % (SERVICE, PORT, "yes" if STORE else "none", "yes" if READER is not STORE else "none"))
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
