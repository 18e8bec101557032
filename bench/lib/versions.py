#!/usr/bin/python3
"""The machine and every component's version, as one JSON object (for the report's "measured on" line).
  BENCH_DB=<connection string> versions.py FORKHOST_BIN_DIR"""
import json
import os
import platform
import re
import subprocess
import sys


def run(*argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def cpu_model():
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.machine()


def mem_gib():
    with open("/proc/meminfo") as meminfo:
        return round(int(meminfo.readline().split()[1]) / 1024 / 1024, 1)


def debian():
    try:
        with open("/etc/os-release") as release:
            return dict(line.rstrip().split("=", 1) for line in release if "=" in line).get("PRETTY_NAME", "").strip('"')
    except OSError:
        return ""


def mariadb_version():
    import MySQLdb  # python3-mysqldb
    fields = {k.strip().lower().replace(" ", ""): v.strip()
              for k, _, v in (p.partition("=") for p in os.environ["BENCH_DB"].split(";") if "=" in p)}
    connection = MySQLdb.connect(host=fields["server"], port=int(fields["port"]), user=fields["userid"],
                                 passwd=fields.get("password", ""), db=fields["database"])
    cursor = connection.cursor()
    cursor.execute("SELECT VERSION()")
    version = cursor.fetchone()[0]
    connection.close()
    return version


def module_version(name):
    try:
        module = __import__(name)
        return getattr(module, "__version__", "") or ""
    except ImportError:
        return ""


def main():
    import importlib.metadata as metadata
    runtimes = run("dotnet", "--list-runtimes")
    aspnet = re.findall(r"Microsoft\.AspNetCore\.App (\S+)", runtimes)
    packages = open(os.path.join(os.path.dirname(__file__), "../../Directory.Packages.props")).read()
    mysqlconnector = re.search(r'"MySqlConnector" Version="([^"]+)"', packages)

    def dist(name):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return ""

    print(json.dumps({
        "os": debian(), "kernel": platform.release(), "cpu": cpu_model(), "cores": os.cpu_count(), "memory_gib": mem_gib(),
        "dotnet_sdk": run("dotnet", "--version"), "aspnetcore_runtime": aspnet[-1] if aspnet else "",
        "mysqlconnector": mysqlconnector.group(1) if mysqlconnector else "",
        "mariadb": mariadb_version(), "python": platform.python_version(),
        "gunicorn": dist("gunicorn"), "uwsgi": run("/usr/bin/uwsgi", "--version"),
        "flask": dist("flask"), "flask_sqlalchemy": dist("flask-sqlalchemy"), "sqlalchemy": dist("sqlalchemy"),
        "mysqlclient": dist("mysqlclient"),
        "wrk": (run("sh", "-c", "wrk -v 2>&1").splitlines() or [""])[0],
    }))


if __name__ == "__main__":
    sys.exit(main())
