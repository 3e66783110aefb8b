"""Run the `--server` gate against real servers that nobody here wrote, and tabulate the verdicts.

    python3 bench/real_servers.py                    # install what is missing, run the gate on each, print the table
    python3 bench/real_servers.py --only nginx node  # some of them
    python3 bench/real_servers.py --readme           # also rewrite the dated table in README.md
    python3 bench/real_servers.py --list             # each server's command, stop signal and version; no gate run

Not part of CI: it installs Debian packages (nginx, apache2, lighttpd, nodejs) and one virtual
environment per Python server under --cache-dir, and takes a gate run per server. Run it as
root: the gate then runs each server as `nobody`, so everything a server reads (its venv, app,
config) is world-readable and everything it writes (pid, logs, temp files) lives in a
per-port scratch directory that anyone may create (mode 1777, like /tmp).

Each server answers GET / with 200 and a short body, bound to 127.0.0.1 and started in the
foreground (nginx `daemon off`, apache `-DFOREGROUND`, lighttpd `-D`). The gate's verdicts
are read from its JUnit XML: every contract test carries a `contract` property, and
`read_results` is the one place that knows that; a later gate's own report can replace it.
"""

import argparse
import datetime
import functools
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CACHE = Path("/var/cache/wirecheck-servers")
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's: `nobody` can run it (pyenv's under /root it cannot)
APT_PACKAGES = ("nginx-light", "apache2", "lighttpd", "nodejs")
README_START = "<!-- real-servers:start -->"
README_END = "<!-- real-servers:end -->"
BODY = "Hello from {name}\n"
GATE_TIMEOUT_SECONDS = 900  # one gate run takes about a minute here; a hung one must not hang the table

# The apps, one per kind of server; each answers every GET with 200 and BODY.
WSGI_APP = '''\
def app(environ, start_response):
    body = b"Hello from WSGI\\n"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''
ASGI_APP = '''\
async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = b"Hello from ASGI\\n"
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
'''
AIOHTTP_APP = '''\
import sys

from aiohttp import web


async def hello(request):
    return web.Response(text="Hello from aiohttp\\n")


app = web.Application()
app.router.add_get("/", hello)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
'''
NODE_APP = '''\
const http = require("http");
http.createServer((req, res) => {
  res.writeHead(200, {"Content-Type": "text/plain"});
  res.end("Hello from node\\n");
}).listen(Number(process.argv[2]), "127.0.0.1");
'''

# Configurations; @RUN@ is the scratch directory, @PORT@ the gate's port (filled in at start by sh).
NGINX_CONF = '''\
daemon off;
worker_processes 2;
pid @RUN@/@PORT@/nginx.pid;
error_log stderr warn;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path @RUN@/@PORT@/body;
    proxy_temp_path @RUN@/@PORT@/proxy;
    fastcgi_temp_path @RUN@/@PORT@/fastcgi;
    uwsgi_temp_path @RUN@/@PORT@/uwsgi;
    scgi_temp_path @RUN@/@PORT@/scgi;
    server {
        listen 127.0.0.1:@PORT@;
        location / { default_type text/plain; return 200 "Hello from nginx\\n"; }
    }
}
'''
# apache2 is started without Debian's apache2ctl and envvars: every path is here or on the command line.
# Its error log is a file of its own: `nobody` may not reopen /dev/stderr, which is the gate's root-owned log.
APACHE_CONF = '''\
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
# Debian enables mod_reqtimeout by default: its slow-request limits are part of how apache2 behaves out of the box.
LoadModule reqtimeout_module /usr/lib/apache2/modules/mod_reqtimeout.so
ServerName 127.0.0.1
ServerRoot /etc/apache2
TypesConfig /etc/mime.types
LogLevel warn
DocumentRoot @DOCROOT@/apache2
DirectoryIndex index.html
<Directory @DOCROOT@/apache2>
    Require all granted
</Directory>
'''
LIGHTTPD_CONF = '''\
server.document-root = "@DOCROOT@/lighttpd"
server.bind = "127.0.0.1"
server.port = env.WIRECHECK_PORT
index-file.names = ("index.html")
mimetype.assign = (".html" => "text/plain")
'''


@dataclass(frozen=True)
class Server:
    """A real server: how to start it for the gate (`{port}` in argv), stop it gracefully, and name its version."""

    name: str
    argv: list[str]
    stop_signal: str
    version: Callable[[], str]

    @property
    def command(self) -> str:
        return shlex.join(self.argv)


@dataclass(frozen=True)
class Row:
    """One server's line of the table: property name to "pass", "FAIL", "skip", or "error" when the gate did not run."""

    server: Server
    version: str
    verdicts: dict[str, str]
    note: str = ""


def main() -> int:
    args = parse_args()
    cache = args.cache_dir.resolve()
    if not args.skip_install:
        install(cache)
    servers = [server for server in real_servers(cache) if not args.only or server.name in args.only]
    if args.list:
        for server in servers:
            print(f"{server.name:<16} {server.version():<10} {server.stop_signal:<8} {server.command}")
        return 0
    clear_scratch(cache / "run")
    rows = []
    for server in servers:
        print(f"real_servers: {server.name}: {server.command}", file=sys.stderr, flush=True)
        rows.append(run_gate(server, args.clone, cache / "reports"))
    table = render_table(rows)
    print(table)
    if args.readme:
        rewrite_readme(REPO_ROOT / "README.md", table)
    return 0 if all(verdict == "pass" for row in rows for verdict in row.verdicts.values()) and rows else 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE,
                        help=f"where the venvs, apps and configs go (default {DEFAULT_CACHE})")
    parser.add_argument("--clone", type=Path, default=REPO_ROOT, help="the wirecheck clone whose bin/test is run")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these servers")
    parser.add_argument("--skip-install", action="store_true", help="assume everything is installed already")
    parser.add_argument("--list", action="store_true", help="print each server's command and version, run nothing")
    parser.add_argument("--readme", action="store_true",
                        help="rewrite the dated table between the markers in README.md")
    return parser.parse_args()


# -- installing --------------------------------------------------------------------------------------------------

PIP_SERVERS = {  # venv name -> what pip installs into it
    "gunicorn": ["gunicorn"],
    "uvicorn": ["uvicorn"],
    "waitress": ["waitress"],
    "hypercorn": ["hypercorn"],
    "aiohttp": ["aiohttp"],
}


def install(cache: Path) -> None:
    """Debian packages, one venv per Python server, then apps and configs; skips what is there already."""
    missing = [package for package in APT_PACKAGES if not _dpkg_installed(package)]
    if missing:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env, stdout=subprocess.DEVNULL)
    for venv, packages in PIP_SERVERS.items():
        where = cache / "venvs" / venv
        if not (where / "bin" / "python").exists():
            subprocess.run([SYSTEM_PYTHON, "-m", "venv", str(where)], check=True)
            subprocess.run([str(where / "bin" / "python"), "-m", "pip", "install", "--quiet",
                            "--disable-pip-version-check", *packages], check=True)
    write_apps(cache)


def _dpkg_installed(package: str) -> bool:
    status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True).stdout
    return "install ok installed" in status


def write_apps(cache: Path) -> None:
    """The apps, document roots and configuration templates; world-readable, and a scratch dir anyone can write to."""
    apps, docroot, run = cache / "apps", cache / "docroot", cache / "run"
    files = {
        apps / "wsgi_app.py": WSGI_APP,
        apps / "asgi_app.py": ASGI_APP,
        apps / "aiohttp_app.py": AIOHTTP_APP,
        apps / "node_app.js": NODE_APP,
        cache / "conf" / "nginx.conf.in": NGINX_CONF,
        cache / "conf" / "apache2.conf": APACHE_CONF,
        cache / "conf" / "lighttpd.conf": LIGHTTPD_CONF,
    }
    for name in ("http.server", "apache2", "lighttpd"):
        files[docroot / name / "index.html"] = BODY.format(name=name)
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("@RUN@", str(run)).replace("@DOCROOT@", str(docroot)))
    run.mkdir(parents=True, exist_ok=True)
    run.chmod(0o1777)
    for directory in (cache, *cache.rglob("*")):
        if directory.is_dir():
            directory.chmod(directory.stat().st_mode | 0o755)
        else:
            directory.chmod(directory.stat().st_mode | 0o444)


def clear_scratch(run: Path) -> None:
    """Forget the pid files, logs and temp dirs of earlier runs: one per port, they only pile up."""
    for leftover in run.iterdir() if run.exists() else ():
        if leftover.is_dir():
            shutil.rmtree(leftover)
        else:
            leftover.unlink()


# -- the servers -------------------------------------------------------------------------------------------------

def real_servers(cache: Path) -> list[Server]:
    venvs, apps, run, conf, docroot = (cache / part for part in ("venvs", "apps", "run", "conf", "docroot"))

    def venv(name: str, program: str) -> str:
        return str(venvs / name / "bin" / program)

    def pip_version(name: str, package: str) -> Callable[[], str]:
        return lambda: _output([venv(name, "python"), "-c",
                                f"import importlib.metadata as m; print(m.version({package!r}))"])

    scratch = f"{run}/{{port}}"
    nginx_conf = f"{scratch}/nginx.conf"
    # nginx cannot take its listen port on the command line: sh writes this port's config, then becomes nginx.
    nginx = (f"mkdir -p {scratch} && sed s/@PORT@/{{port}}/g {conf}/nginx.conf.in > {nginx_conf} && "
             f"exec /usr/sbin/nginx -e stderr -p {scratch} -c {nginx_conf}")
    return [
        Server("http.server", [SYSTEM_PYTHON, "-m", "http.server", "{port}", "--bind", "127.0.0.1",
                               "--directory", str(docroot / "http.server")], "TERM",
               lambda: _output([SYSTEM_PYTHON, "--version"]).split()[-1]),
        Server("nginx", ["sh", "-c", nginx], "QUIT",
               lambda: _search(r"nginx/(\S+)", _output(["/usr/sbin/nginx", "-v"]))),
        Server("apache2-event", ["/usr/sbin/apache2", "-f", f"{conf}/apache2.conf", "-DFOREGROUND",
                                 "-C", "Listen 127.0.0.1:{port}", "-C", f"PidFile {run}/apache2-{{port}}.pid",
                                 "-C", f"DefaultRuntimeDir {run}",
                                 "-C", f"ErrorLog {run}/apache2-{{port}}.log"], "WINCH",
               lambda: _search(r"Apache/(\S+)", _output(["/usr/sbin/apache2", "-v"]))),
        Server("lighttpd", ["env", "WIRECHECK_PORT={port}", "/usr/sbin/lighttpd", "-D", "-f",
                            f"{conf}/lighttpd.conf"], "INT",
               lambda: _search(r"lighttpd/(\S+)", _output(["/usr/sbin/lighttpd", "-v"]))),
        Server("gunicorn-sync", [venv("gunicorn", "gunicorn"), "--bind", "127.0.0.1:{port}", "--chdir", str(apps),
                                 "--worker-class", "sync", "--workers", "2", "wsgi_app:app"], "TERM",
               pip_version("gunicorn", "gunicorn")),
        Server("gunicorn-gthread", [venv("gunicorn", "gunicorn"), "--bind", "127.0.0.1:{port}", "--chdir", str(apps),
                                    "--worker-class", "gthread", "--workers", "2", "--threads", "4", "wsgi_app:app"],
               "TERM", pip_version("gunicorn", "gunicorn")),
        Server("uvicorn", [venv("uvicorn", "uvicorn"), "--host", "127.0.0.1", "--port", "{port}", "--app-dir",
                           str(apps), "asgi_app:app"], "TERM", pip_version("uvicorn", "uvicorn")),
        Server("waitress", ["env", f"PYTHONPATH={apps}", venv("waitress", "waitress-serve"), "--host", "127.0.0.1",
                            "--port", "{port}", "wsgi_app:app"], "TERM", pip_version("waitress", "waitress")),
        Server("hypercorn", ["env", f"PYTHONPATH={apps}", venv("hypercorn", "hypercorn"), "--bind",
                             "127.0.0.1:{port}", "asgi_app:app"], "TERM", pip_version("hypercorn", "hypercorn")),
        Server("aiohttp", [venv("aiohttp", "python"), str(apps / "aiohttp_app.py"), "{port}"], "TERM",
               pip_version("aiohttp", "aiohttp")),
        Server("node-http", ["/usr/bin/node", str(apps / "node_app.js"), "{port}"], "TERM",
               lambda: _output(["/usr/bin/node", "--version"]).lstrip("v")),
    ]


def _output(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    return (done.stdout + done.stderr).strip()  # nginx -v prints to stderr


def _search(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    return found.group(1) if found else "?"


# -- running the gate and reading its verdicts -------------------------------------------------------------------

def run_gate(server: Server, clone: Path, reports: Path) -> Row:
    reports.mkdir(parents=True, exist_ok=True)
    junit = reports / (re.sub(r"\W+", "_", server.name) + ".xml")
    junit.unlink(missing_ok=True)
    argv = ["bin/test", "--server", server.command, "-p", "no:cacheprovider", f"--junitxml={junit}"]
    if gate_has_option(clone, "--stop-signal"):
        argv += ["--stop-signal", server.stop_signal]
    try:
        done = subprocess.run(argv, cwd=clone, capture_output=True, text=True, timeout=GATE_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        return Row(server, server.version(), {}, f"gate run exceeded {GATE_TIMEOUT_SECONDS} s")
    log = reports / junit.with_suffix(".log").name
    log.write_text(done.stdout + done.stderr)
    verdicts = read_results(junit) if junit.exists() else {}
    note = "" if verdicts else f"no verdicts (exit {done.returncode}): {_last_error(done.stdout + done.stderr)}"
    return Row(server, server.version(), verdicts, note)


def read_results(junit: Path) -> dict[str, str]:
    """Each contract property's verdict from pytest's JUnit XML: FAIL if any of its tests failed, skip if all did."""
    outcomes: dict[str, list[str]] = {}
    for case in ElementTree.parse(junit).iter("testcase"):
        prop = next((p.get("value") for p in case.iter("property") if p.get("name") == "contract"), None)
        if prop is None:
            continue
        failed = case.find("failure") is not None or case.find("error") is not None
        outcome = "FAIL" if failed else "skip" if case.find("skipped") is not None else "pass"
        outcomes.setdefault(prop, []).append(outcome)
    return {prop: "FAIL" if "FAIL" in seen else "pass" if "pass" in seen else "skip"
            for prop, seen in sorted(outcomes.items(), key=lambda item: _property_number(item[0]))}


def _property_number(prop: str) -> int:
    number = re.match(r"\d+", prop)
    return int(number.group()) if number else 0


def _last_error(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    return lines[-1][:200] if lines else "no output"


@functools.cache
def gate_has_option(clone: Path, option: str) -> bool:
    """Whether this clone's gate lists `option` in its --help (later gates take --stop-signal)."""
    done = subprocess.run(["bin/test", "--help", "-p", "no:cacheprovider"], cwd=clone, capture_output=True,
                          text=True, timeout=300)
    return option in done.stdout


# -- the table ---------------------------------------------------------------------------------------------------

def render_table(rows: list[Row]) -> str:
    """A markdown table: server, version, graceful stop signal, then each contract property by number."""
    properties = sorted({prop for row in rows for prop in row.verdicts}, key=_property_number)
    header = ["server", "version", "graceful stop", *(str(_property_number(prop)) for prop in properties)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [row.server.name, row.version, f"SIG{row.server.stop_signal}"]
        cells += [row.verdicts.get(prop, "-") for prop in properties]
        if row.note:
            cells[-1] += f" ({row.note})"
        lines.append("| " + " | ".join(cells) + " |")
    legend = "Properties: " + "; ".join(properties) + "."
    commands = [f"- {row.server.name}: `{row.server.command}`" for row in rows]
    return "\n".join([*lines, "", legend, "", "Commands (`{port}` is the gate's):", "", *commands])


def rewrite_readme(readme: Path, table: str) -> None:
    """Replace what is between the markers with the dated table; the markers must be there already."""
    text = readme.read_text()
    start, end = text.index(README_START) + len(README_START), text.index(README_END)
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    section = (f"\n\nFrom `python3 bench/real_servers.py --readme` on {today}, the gate with its default options, "
               f"servers run as nobody:\n\n{table}\n\n")
    readme.write_text(text[:start] + section + text[end:])


if __name__ == "__main__":
    sys.exit(main())
