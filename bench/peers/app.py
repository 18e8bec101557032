"""The Comments sample's benchmark endpoints as a Flask + Flask-SQLAlchemy app, for gunicorn and uWSGI.

GET /echo?n=&pad=  runs SELECT n, CONNECTION_ID(), REPEAT('x', pad) through SQLAlchemy's pool (MySQLdb driver)
GET /plain         a short text, no database
Both report the worker's pid, as the Comments app does, so a client can tell workers apart.

Written the way the gunicorn/uWSGI docs' fixed pattern goes: the module touches the database at import time (in the
master, under --preload or without lazy-apps), then closes the session and disposes of the engine, so no forked worker
inherits a pooled MySQL connection. The database comes from FORKHOST_MYSQL, the same ADO.NET-style connection string
the .NET servers use.
"""
import os

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text
from sqlalchemy.engine import URL


def _url_from_connection_string(value):
    """'Server=127.0.0.1;Port=3306;User ID=root;Password=;Database=forkhost' -> a mysql+mysqldb URL."""
    fields = {}
    for part in value.split(";"):
        if "=" in part:
            key, _, val = part.partition("=")
            fields[key.strip().lower().replace(" ", "")] = val.strip()
    return URL.create(
        "mysql+mysqldb",
        username=fields.get("userid") or fields.get("user") or fields.get("uid"),
        password=fields.get("password") or fields.get("pwd") or None,
        host=fields.get("server") or fields.get("host") or "127.0.0.1",
        port=int(fields.get("port") or 3306),
        database=fields.get("database"),
    )


app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = _url_from_connection_string(os.environ["FORKHOST_MYSQL"])
# pool_recycle below the server's wait_timeout (MariaDB's default is 28800 s; test servers often use far less), so an
# idle pooled session is replaced before the server drops it. pool_size: a sync worker uses one session at a time.
app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_recycle": 280, "pool_size": 2}
db = SQLAlchemy(app)

ECHO = text("SELECT :n, CONNECTION_ID(), REPEAT('x', :pad)")

# The import-time database access (the Comments app's load step counts rows; here a trivial query) ...
with app.app_context():
    db.session.execute(text("SELECT 1")).scalar()
    # ... and the fix: nothing pooled survives into the fork.
    db.session.close()
    db.engine.dispose()


@app.get("/echo")
def echo():
    n = int(request.args.get("n", "0"))
    pad = max(0, min(int(request.args.get("pad", "0")), 65536))
    row = db.session.execute(ECHO, {"n": n, "pad": pad}).one()
    return jsonify(n=n, echo=int(row[0]), connectionId=int(row[1]), pad=len(row[2]), session="pool", pid=os.getpid())


@app.get("/plain")
def plain():
    return f"plain {os.getpid()}\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
