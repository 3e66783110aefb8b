"""Run the `--server` gate against real servers that nobody here wrote, and tabulate the verdicts.

    python3 bench/real_servers.py                    # install what is missing, run the gate on each, print the table
    python3 bench/real_servers.py --only nginx node  # some of them
    python3 bench/real_servers.py --survey           # also rewrite the dated table in docs/survey.md
    python3 bench/real_servers.py --list             # each server's command, stop signal and version; no gate run
    python3 bench/real_servers.py --list-tls         # each server's HTTPS command ({cert}, {key}: the gate's --tls)
    python3 bench/real_servers.py --tls --survey     # the same run over HTTPS (`gate --tls`), into docs/tls-survey.md

Not part of CI: it installs Debian packages (nginx, apache2, lighttpd, nodejs) and one virtual
environment per Python server under --cache-dir, and takes a gate run per server. Run it as
root: the gate then runs each server as `nobody`, so everything a server reads (its venv, app,
config) is world-readable and everything it writes (pid, logs, temp files) lives in a
per-port scratch directory that anyone may create (mode 1777, like /tmp).

Each server that takes a certificate also has a TLS variant (`--list-tls`; bench/tls_probe.py
runs them): the same app over HTTPS, with `{cert}` and `{key}` in its command for a PEM
certificate chain and key that the server's user can read. Its extra apps, configs and
scratch directory live under --cache-dir/tls/, so that the plain servers' files stay as they are.
`--tls` runs `wirecheck gate --tls` against those variants, the gate making a throwaway certificate for each run;
its reports go to --cache-dir/tls/reports/, its table (the properties a TLS run skips left out, and the handshake
the server chose) to docs/tls-survey.md.

Each server answers GET / with 200 and a short body, bound to 127.0.0.1 and started in the
foreground (nginx `daemon off`, apache `-DFOREGROUND`, lighttpd `-D`). Servers run one after
another (`-n 2` inside each run), each stopped by its own graceful signal (--stop-signal). The
verdicts and figures are read from each run's --json-report (wirecheck/plugin/json_report.schema.json):
a property passes, warns (a SHOULD unmet) or fails; its captures stay under
--cache-dir/reports/SERVER/, one pcapng per test (`wirecheck show CAPTURE` draws one).
"""

import argparse
import contextlib
import dataclasses
import datetime
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # the property table is the gate's own, so that the columns follow it
from wirecheck.checks import _categories as category  # noqa: E402
from wirecheck.checks._categories import wording  # noqa: E402
from wirecheck.contract._properties import BASELINE, PROPERTIES, level_of, numbered  # noqa: E402

DEFAULT_CACHE = Path("/var/cache/wirecheck-servers")
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's: `nobody` can run it (pyenv's under /root it cannot)
# lighttpd's TLS is a module of its own package; nginx-light and apache2 (mod_ssl) have theirs built in.
APT_PACKAGES = ("nginx-light", "apache2", "lighttpd", "lighttpd-mod-openssl", "nodejs")
BODY = "Hello from {name}\n"
GATE_TIMEOUT_SECONDS = 900  # one gate run takes under a minute here; a hung one must not hang the table
INTERRUPT_GRACE_SECONDS = 30  # a timed-out gate's pytest processes have this long to tear down its servers
GATE_WORKERS = 2  # the machine has 2 cores: one server at a time, two tests at a time
# Over TLS (23): a server that keeps no connection alive has closed with a bare FIN (22's fault) before the client's
# close_notify, and the check takes that earlier FIN for its answer.
CLOSED_BEFORE_CLOSE_NOTIFY = ("the server keeps no connection alive: its bare FIN comes before the client's "
                              "close_notify (22 fails on it), and the gate counts that earlier FIN as the answer")
# Failures that are the gate's wrong assumption, not the server's behaviour: (server, property key) -> why.
GATE_ISSUES: dict[tuple[str, str], str] = {
    ("waitress", "bad-input"): "the 70,000-byte head is under waitress's limit (256 KiB): it answers 200 and keeps the "
                               "connection alive, which the gate counts as a rude connection left open",
    ("http.server", "close-notify-answered"): CLOSED_BEFORE_CLOSE_NOTIFY,
    ("gunicorn-sync", "close-notify-answered"): CLOSED_BEFORE_CLOSE_NOTIFY,
}

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

# The TLS variants: the plain apps and configs, wrapped or extended (@CONF@: --cache-dir/conf, @APPS@: its apps).
# nginx 1.22 speaks TLS 1.3 only when told (its default became TLSv1.2 TLSv1.3 in 1.23.4); Debian's nginx.conf tells it.
NGINX_TLS_CONF = NGINX_CONF.replace("listen 127.0.0.1:@PORT@;", """listen 127.0.0.1:@PORT@ ssl;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_certificate @CERT@;
        ssl_certificate_key @KEY@;""")
LIGHTTPD_TLS_CONF = '''\
include "@CONF@/lighttpd.conf"
server.modules += ("mod_openssl")
ssl.engine = "enable"
ssl.pemfile = env.WIRECHECK_CERT
ssl.privkey = env.WIRECHECK_KEY
'''
# `python -m http.server` has no TLS option: the same handler and server class, the listening socket wrapped.
HTTP_SERVER_TLS = '''\
import functools
import http.server
import ssl
import sys

port, directory, cert, key = sys.argv[1:]
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
server = http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), handler)
# The handshake in the handler's thread, at its first read: in accept() it would make every client wait for one
# that connects and says nothing.
server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
server.serve_forever()
'''
# The plain app itself, run with web.run_app given an SSL context.
AIOHTTP_TLS_APP = '''\
import runpy
import ssl
import sys

from aiohttp import web

context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(sys.argv[2], sys.argv[3])
run_app = web.run_app
web.run_app = lambda app, **options: run_app(app, ssl_context=context, **options)
runpy.run_path("@APPS@/aiohttp_app.py", run_name="__main__")
'''
# The plain app itself, its http.createServer made https's with the certificate; argv: port cert key.
NODE_TLS_APP = '''\
const fs = require("fs");
const http = require("http");
const https = require("https");
const [cert, key] = process.argv.slice(3).map((path) => fs.readFileSync(path));
http.createServer = (listener) => https.createServer({cert, key}, listener);
require("@APPS@/node_app.js");
'''


@dataclass(frozen=True)
class Server:
    """A real server: how to start it for the gate (`{port}` in argv), stop it gracefully, and name its version;
    `tls_argv` serves the same over HTTPS (`{cert}` and `{key}` too), None where the server speaks no TLS."""

    name: str
    argv: list[str]
    stop_signal: str
    version: Callable[[], str]
    tls_argv: list[str] | None = None
    gate_options: tuple[str, ...] = ()  # `wirecheck gate`'s, before `--`

    @property
    def command(self) -> str:
        return shlex.join(self.argv)

    @property
    def tls_command(self) -> str:
        return shlex.join(self.tls_argv) if self.tls_argv else "(no TLS)"

    def over_tls(self) -> "Server":
        """The same server as `wirecheck gate --tls` runs it: its HTTPS command, the gate filling in a throwaway
        certificate and key."""
        assert self.tls_argv, f"{self.name} speaks no TLS"
        return dataclasses.replace(self, argv=self.tls_argv, tls_argv=None, gate_options=("--tls",))


@dataclass(frozen=True)
class Survey:
    """A documentation page whose dated tables `--survey` rewrites: those between `<!-- MARKER:start -->` and
    `<!-- MARKER:notes -->` (else `<!-- MARKER:end -->`); the hand-written notes after the notes marker stay."""

    page: str  # under the repository's root
    marker: str
    command: str  # the command that rewrites it, as the page quotes it
    gate: str  # how the gate was run, as the page says it

    def tag(self, which: str) -> str:
        return f"<!-- {self.marker}:{which} -->"


DEFAULT_OPTIONS = f"its default options (`-n {GATE_WORKERS}`, each server's graceful stop signal)"
PLAIN_SURVEY = Survey("docs/survey.md", "real-servers", "python3 bench/real_servers.py --survey",
                      f"the gate with {DEFAULT_OPTIONS}")
TLS_SURVEY = Survey("docs/tls-survey.md", "tls-gate", "python3 bench/real_servers.py --survey --tls",
                    f"the gate with `--tls` (a throwaway CA and certificate per run) and {DEFAULT_OPTIONS}")


@dataclass(frozen=True)
class Row:
    """One server's gate run: its contract tests as the JSON report has them, and where their captures are."""

    server: Server
    version: str
    tests: list[dict]
    note: str = ""
    seconds: float = 0.0
    captures: Path = Path()
    exit_status: int | None = None  # the gate's; None when it timed out


def main() -> int:
    args = parse_args()
    cache = args.cache_dir.resolve()
    if not args.skip_install:
        install(cache)
    servers = [server for server in real_servers(cache) if not args.only or server.name in args.only]
    if args.list or args.list_tls:
        for server in servers:
            command = server.tls_command if args.list_tls else server.command
            print(f"{server.name:<16} {server.version():<10} {server.stop_signal:<8} {command}")
        return 0
    if args.tls:
        servers = over_tls(servers)
    home = home_of(cache, args.tls)
    clear_scratch(home / "run")
    rows = []
    for server in servers:
        print(f"real_servers: {server.name}: {server.command}", file=sys.stderr, flush=True)
        rows.append(run_gate(server, args.clone, home / "reports"))
    tables = render_tables(rows, args.tls)
    print(tables)
    if args.survey:
        rewrite_survey(TLS_SURVEY if args.tls else PLAIN_SURVEY, tables)
    verdicts = [verdict_of(tests) for row in rows for tests in by_property(row.tests).values()]
    return 0 if rows and all(row.tests for row in rows) and "FAIL" not in verdicts and "error" not in verdicts else 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE,
                        help=f"where the venvs, apps and configs go (default {DEFAULT_CACHE})")
    parser.add_argument("--clone", type=Path, default=REPO_ROOT,
                        help="the wirecheck clone whose .venv/bin/wirecheck gate is run")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these servers")
    parser.add_argument("--skip-install", action="store_true", help="assume everything is installed already")
    parser.add_argument("--list", action="store_true", help="print each server's command and version, run nothing")
    parser.add_argument("--list-tls", action="store_true",
                        help="print each server's HTTPS command ({cert}, {key}: PEM files) and version, run nothing")
    parser.add_argument("--tls", action="store_true",
                        help="run `wirecheck gate --tls` against each server's HTTPS command (those that have one)")
    parser.add_argument("--survey", action="store_true",
                        help=f"rewrite the dated tables between the markers in {PLAIN_SURVEY.page} "
                             f"({TLS_SURVEY.page} with --tls)")
    return parser.parse_args()


def over_tls(servers: list[Server]) -> list[Server]:
    """The servers that speak TLS, as `wirecheck gate --tls` runs them."""
    return [server.over_tls() for server in servers if server.tls_argv]


def home_of(cache: Path, tls: bool) -> Path:
    """Where a run's scratch dir (run/) and reports go: a --tls run's under tls/, beside the TLS variants' files."""
    return cache / "tls" if tls else cache


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
    install_packages(APT_PACKAGES)
    install_venvs(cache / "venvs", PIP_SERVERS)
    write_apps(cache)
    write_tls_files(cache)


def install_packages(packages: tuple[str, ...]) -> None:
    missing = [package for package in packages if not _dpkg_installed(package)]
    if missing:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env, stdout=subprocess.DEVNULL)


def install_venvs(venvs: Path, packages_of: dict[str, list[str]]) -> None:
    """One venv per name under `venvs`, with its packages; a venv that is there already is left alone."""
    for venv, packages in packages_of.items():
        where = venvs / venv
        if not (where / "bin" / "python").exists():
            subprocess.run([SYSTEM_PYTHON, "-m", "venv", str(where)], check=True)
            subprocess.run([str(where / "bin" / "python"), "-m", "pip", "install", "--quiet",
                            "--disable-pip-version-check", *packages], check=True)


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
    write_readable(cache, files, {"@RUN@": run, "@DOCROOT@": docroot})


def write_tls_files(cache: Path) -> None:
    """The TLS variants' apps and configuration templates, all under --cache-dir/tls/ (its own scratch dir too)."""
    tls = cache / "tls"
    files = {
        tls / "apps" / "http_server_tls.py": HTTP_SERVER_TLS,
        tls / "apps" / "aiohttp_tls_app.py": AIOHTTP_TLS_APP,
        tls / "apps" / "node_tls_app.js": NODE_TLS_APP,
        tls / "conf" / "nginx.conf.in": NGINX_TLS_CONF,
        tls / "conf" / "lighttpd.conf": LIGHTTPD_TLS_CONF,
    }
    write_readable(tls, files, {"@RUN@": tls / "run", "@CONF@": cache / "conf", "@APPS@": cache / "apps"})


def write_readable(root: Path, files: dict[Path, str], placeholders: dict[str, Path]) -> None:
    """Write `files` with their placeholders filled in; everything under `root` world-readable, and its scratch
    dir run/ writable by anyone."""
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        for placeholder, value in placeholders.items():
            text = text.replace(placeholder, str(value))
        path.write_text(text)
    run = root / "run"
    run.mkdir(parents=True, exist_ok=True)
    run.chmod(0o1777)
    for directory in (root, *root.rglob("*")):
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

# gunicorn's and hypercorn's options for a certificate and its key; uvicorn's have a prefix of their own.
CERT_OPTIONS = ["--certfile", "{cert}", "--keyfile", "{key}"]
UVICORN_CERT_OPTIONS = ["--ssl-certfile", "{cert}", "--ssl-keyfile", "{key}"]
# apache2's -c directives come after its config file, so after mod_ssl's LoadModule (-C: before it).
APACHE_TLS_OPTIONS = ["-C", "LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so", "-c", "SSLEngine on",
                      "-c", "SSLCertificateFile {cert}", "-c", "SSLCertificateKeyFile {key}"]
# Without a `;`, which sh would take for the end of a command, and without quotes: -e per substitution.
NGINX_TLS_SED = "-e s/@PORT@/{port}/g -e s#@CERT@#{cert}#g -e s#@KEY@#{key}#g"


def real_servers(cache: Path) -> list[Server]:
    venvs, apps, run, conf, docroot, tls = (cache / part for part in ("venvs", "apps", "run", "conf", "docroot", "tls"))

    def venv(name: str, program: str) -> str:
        return str(venvs / name / "bin" / program)

    def pip_version(name: str, package: str) -> Callable[[], str]:
        return lambda: _output([venv(name, "python"), "-c",
                                f"import importlib.metadata as m; print(m.version({package!r}))"])

    gunicorn_sync = [venv("gunicorn", "gunicorn"), "--bind", "127.0.0.1:{port}", "--chdir", str(apps),
                     "--worker-class", "sync", "--workers", "2", "wsgi_app:app"]
    gunicorn_gthread = [venv("gunicorn", "gunicorn"), "--bind", "127.0.0.1:{port}", "--chdir", str(apps),
                        "--worker-class", "gthread", "--workers", "2", "--threads", "4", "wsgi_app:app"]
    uvicorn = [venv("uvicorn", "uvicorn"), "--host", "127.0.0.1", "--port", "{port}", "--app-dir", str(apps),
               "asgi_app:app"]
    hypercorn = ["env", f"PYTHONPATH={apps}", venv("hypercorn", "hypercorn"), "--bind", "127.0.0.1:{port}",
                 "asgi_app:app"]
    return [
        Server("http.server", [SYSTEM_PYTHON, "-m", "http.server", "{port}", "--bind", "127.0.0.1",
                               "--directory", str(docroot / "http.server")], "TERM",
               lambda: _output([SYSTEM_PYTHON, "--version"]).split()[-1],
               [SYSTEM_PYTHON, str(tls / "apps" / "http_server_tls.py"), "{port}", str(docroot / "http.server"),
                "{cert}", "{key}"]),
        Server("nginx", nginx_argv(conf / "nginx.conf.in", run), "QUIT",
               lambda: _search(r"nginx/(\S+)", _output(["/usr/sbin/nginx", "-v"])),
               nginx_argv(tls / "conf" / "nginx.conf.in", tls / "run", NGINX_TLS_SED)),
        Server("apache2-event", apache_argv(conf, run), "WINCH",
               lambda: _search(r"Apache/(\S+)", _output(["/usr/sbin/apache2", "-v"])),
               [*apache_argv(conf, tls / "run"), *APACHE_TLS_OPTIONS]),
        Server("lighttpd", ["env", "WIRECHECK_PORT={port}", "/usr/sbin/lighttpd", "-D", "-f",
                            f"{conf}/lighttpd.conf"], "INT",
               lambda: _search(r"lighttpd/(\S+)", _output(["/usr/sbin/lighttpd", "-v"])),
               ["env", "WIRECHECK_PORT={port}", "WIRECHECK_CERT={cert}", "WIRECHECK_KEY={key}", "/usr/sbin/lighttpd",
                "-D", "-f", str(tls / "conf" / "lighttpd.conf")]),
        Server("gunicorn-sync", gunicorn_sync, "TERM", pip_version("gunicorn", "gunicorn"),
               [*gunicorn_sync, *CERT_OPTIONS]),
        Server("gunicorn-gthread", gunicorn_gthread, "TERM", pip_version("gunicorn", "gunicorn"),
               [*gunicorn_gthread, *CERT_OPTIONS]),
        Server("uvicorn", uvicorn, "TERM", pip_version("uvicorn", "uvicorn"), [*uvicorn, *UVICORN_CERT_OPTIONS]),
        # waitress speaks no TLS itself (its documentation puts a proxy in front).
        Server("waitress", ["env", f"PYTHONPATH={apps}", venv("waitress", "waitress-serve"), "--host", "127.0.0.1",
                            "--port", "{port}", "wsgi_app:app"], "TERM", pip_version("waitress", "waitress")),
        Server("hypercorn", hypercorn, "TERM", pip_version("hypercorn", "hypercorn"), [*hypercorn, *CERT_OPTIONS]),
        Server("aiohttp", [venv("aiohttp", "python"), str(apps / "aiohttp_app.py"), "{port}"], "TERM",
               pip_version("aiohttp", "aiohttp"),
               [venv("aiohttp", "python"), str(tls / "apps" / "aiohttp_tls_app.py"), "{port}", "{cert}", "{key}"]),
        Server("node-http", ["/usr/bin/node", str(apps / "node_app.js"), "{port}"], "TERM",
               lambda: _output(["/usr/bin/node", "--version"]).lstrip("v"),
               ["/usr/bin/node", str(tls / "apps" / "node_tls_app.js"), "{port}", "{cert}", "{key}"]),
    ]


def nginx_argv(template: Path, run: Path, sed_script: str = "s/@PORT@/{port}/g") -> list[str]:
    """nginx cannot take its listen port (nor a certificate) on the command line: sh writes this port's config from
    `template` into the port's scratch dir under `run`, then becomes nginx."""
    scratch = f"{run}/{{port}}"
    conf = f"{scratch}/nginx.conf"
    return ["sh", "-c", f"mkdir -p {scratch} && sed {sed_script} {template} > {conf} && "
                        f"exec /usr/sbin/nginx -e stderr -p {scratch} -c {conf}"]


def apache_argv(conf: Path, run: Path) -> list[str]:
    """apache2 without Debian's apache2ctl and envvars: its pid file, runtime dir and error log under `run`."""
    return ["/usr/sbin/apache2", "-f", f"{conf}/apache2.conf", "-DFOREGROUND", "-C", "Listen 127.0.0.1:{port}",
            "-C", f"PidFile {run}/apache2-{{port}}.pid", "-C", f"DefaultRuntimeDir {run}",
            "-C", f"ErrorLog {run}/apache2-{{port}}.log"]


def _output(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    return (done.stdout + done.stderr).strip()  # nginx -v prints to stderr


def _search(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    return found.group(1) if found else "?"


# -- running the gate and reading its verdicts -------------------------------------------------------------------

def run_gate(server: Server, clone: Path, reports: Path, timeout: float = GATE_TIMEOUT_SECONDS) -> Row:
    """One gate run: its JSON report, captures and log under `reports`, named after the server; a run that takes
    more than `timeout` seconds is ended and has no results."""
    slug = re.sub(r"\W+", "_", server.name)
    report, captures, log = reports / f"{slug}.json", reports / slug, reports / f"{slug}.log"
    report.unlink(missing_ok=True)
    shutil.rmtree(captures, ignore_errors=True)  # a capture of an earlier run must not be read as this one's
    reports.mkdir(parents=True, exist_ok=True)
    argv = [str(clone / ".venv" / "bin" / "wirecheck"), "gate", "-n", str(GATE_WORKERS), "-p", "no:cacheprovider",
            "--json-report", str(report), "--pcap-dir", str(captures), "--stop-signal", server.stop_signal,
            *server.gate_options, "--", *server.argv]
    started = time.monotonic()
    exit_status, output = run_bounded(argv, clone, timeout)
    seconds = time.monotonic() - started
    log.write_text(output)
    if exit_status is None:
        return Row(server, server.version(), [], f"gate run exceeded {timeout:g} s", seconds, captures)
    tests = json.loads(report.read_text())["tests"] if report.exists() else []
    tests = [test for test in tests if test["property"]]
    note = "" if tests else f"no results (exit {exit_status}): {_last_error(output)}"
    return Row(server, server.version(), tests, note, seconds, captures, exit_status)


def run_bounded(argv: list[str], cwd: Path, timeout: float) -> tuple[int | None, str]:
    """Run `argv` in a process group of its own: its exit status (None if it ran past `timeout`, when the group is
    ended) and its output. An interrupt (Ctrl-C) ends the group too: it is not in the terminal's."""
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    try:
        output, _ = process.communicate(timeout=timeout)
        return process.returncode, output
    except subprocess.TimeoutExpired:
        return None, end_process_group(process)
    except KeyboardInterrupt:
        end_process_group(process)
        raise


def end_process_group(process: subprocess.Popen) -> str:
    """End the group that `process` leads; return what it wrote. Its other members (pytest and its workers) are
    interrupted first, so that their teardown stops the servers they started in sessions of their own; the leader
    (`wirecheck gate`) is not, as it would kill pytest a quarter of a second after an interrupt. Whatever is left
    after INTERRUPT_GRACE_SECONDS is killed."""
    for pid in process_group(process.pid):
        if pid != process.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGINT)
    try:
        output, _ = process.communicate(timeout=INTERRUPT_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
    return output


def process_group(pgid: int) -> list[int]:
    """The ids of the processes in process group `pgid`, from /proc/PID/stat (its fifth field)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after "PID (command)": state, ppid, pgrp, ...
        except (OSError, IndexError):
            continue  # the process has exited
        if int(fields[2]) == pgid:
            members.append(int(stat.parent.name))
    return members


def verdict_of(tests: list[dict]) -> str:
    """A property's verdict from its tests: FAIL if a MUST failed, warn if only SHOULDs did, error if a test's
    setup or teardown broke, skip if all were skipped, else pass."""
    outcomes = [test["outcome"] for test in tests]
    if any(test["outcome"] == "failed" and failure_level(test) == "MUST" for test in tests):
        return "FAIL"
    if "error" in outcomes:
        return "error"
    if "failed" in outcomes:
        return "warn"
    return "skip" if all(outcome == "skipped" for outcome in outcomes) else "pass"


def failure_level(test: dict) -> str:
    """The level of a test's failure as the gate's summary gives it: a problem kind may lower its property's
    (left-open is a SHOULD within bad-input). Not the report's "level": that is the property's, read before the
    test ran."""
    return level_of(test["property"], test["problem_kinds"])


def by_property(tests: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for test in tests:
        grouped.setdefault(test["property"], []).append(test)
    return grouped


def figures_of(tests: list[dict], prop: str, case: str = "") -> dict:
    """The figures of property `prop`'s tests (of its parametrized case `case`, e.g. "sends_random_bytes")."""
    figures: dict = {}
    for test in tests:
        if test["property"] == prop and (not case or test["nodeid"].endswith(f"[{case}]")):
            figures.update(test["figures"])
    return figures


def _last_error(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    return lines[-1][:200] if lines else "no output"


# -- the tables --------------------------------------------------------------------------------------------------

def render_tables(rows: list[Row], tls: bool = False) -> str:
    """Markdown: the verdicts (server, version, graceful stop, each property that ran by number), the key figures,
    each warn or fail with its problem kind and blamed frame, and the commands (HTTPS ones for a --tls run)."""
    keys = properties_run(rows)
    legend = "; ".join(numbered(key) for key in keys)
    return "\n".join([
        *verdict_table(rows, keys), "", f"Properties: {legend}.", *left_out(rows, keys), "",
        *figure_tables(rows),
        "Each warn and fail: the first problem's kind and the frame the gate blames in the test's capture "
        f"({home_of(Path('--cache-dir'), tls) / 'reports'}/SERVER/, one pcapng per test):", "",
        *failure_lines(rows), "", "Gate issues (a failure that is the gate's wrong assumption, not the server's "
        "behaviour):", "", *gate_issue_lines(rows, keys), "",
        f"Commands ({'`{port}`, `{cert}` and `{key}` are' if tls else '`{port}` is'} the gate's):", "",
        *(f"- {row.server.name}: `{row.server.command}`" for row in rows)])


def properties_run(rows: list[Row]) -> list[str]:
    """The properties that ran for some server, in the contract's order: those every run skipped (a TLS-only one in
    a plain run, one not over TLS yet in a --tls run) get no column."""
    ran = {key for row in rows for key, tests in by_property(row.tests).items() if verdict_of(tests) != "skip"}
    return [prop.key for prop in PROPERTIES if prop.key in ran and prop.key != BASELINE]


def left_out(rows: list[Row], keys: list[str]) -> list[str]:
    """The properties every run skipped, grouped by the gate's reason; none when the table has them all."""
    reasons: dict[str, list[str]] = {}
    for prop in PROPERTIES:
        tests = [test for row in rows for test in by_property(row.tests).get(prop.key, [])]
        if tests and prop.key not in keys and prop.key != BASELINE:
            reasons.setdefault(tests[0]["message"], []).append(str(number(prop.key)))
    if not reasons:
        return []
    return ["", "Left out, as every server's run skipped them (the gate's reason):", "",
            *(f"- {', '.join(numbers)}: {reason}" for reason, numbers in reasons.items())]


def gate_issue_lines(rows: list[Row], keys: list[str]) -> list[str]:
    return [f"- {row.server.name}, {number(key)}: {why}" for row in rows for key in keys
            if (why := gate_issue(row, key))] or ["- none"]


def gate_issue(row: Row, key: str) -> str:
    """Why the server's warn or fail of property `key` is the gate's wrong assumption; empty if it is not known to
    be, or the property did not warn or fail in this run."""
    tests = by_property(row.tests).get(key, [])
    failed = tests and verdict_of(tests) in ("warn", "FAIL")
    return GATE_ISSUES.get((row.server.name, key), "") if failed else ""


def verdict_table(rows: list[Row], keys: list[str]) -> list[str]:
    header = ["server", "version", "graceful stop", *(str(number(key)) for key in keys), "gate run"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        grouped = by_property(row.tests)
        cells = [row.server.name, row.version, f"SIG{row.server.stop_signal}"]
        for key in keys:
            cell = verdict_of(grouped[key]) if key in grouped else "-"
            if gate_issue(row, key):
                cell += " (gate issue, see note)"
            cells.append(cell)
        cells.append(f"{row.seconds:.0f} s" if row.seconds else "-")
        if row.note:
            cells[-1] += f" ({row.note})"
        lines.append("| " + " | ".join(cells) + " |")
    return lines


# The figures table: column -> how to read it off a run's tests.
FIGURE_COLUMNS: dict[str, Callable[[list[dict]], str]] = {
    "keep-alive (7)": lambda tests: wording(figures_of(tests, "keep-alive").get("keep_alive", "-")),
    "idle timeout (8)": lambda tests: _idle(figures_of(tests, "idle-close")),
    "header timeout (16)": lambda tests: _timed(figures_of(tests, "header-timeout"), "header_cut_off",
                                                "header_timeout"),
    "unwanted upload (11)": lambda tests: _timed(figures_of(tests, "no-reset-while-sending"), "upload_end", "linger"),
    "random bytes (6)": lambda tests: _rude(figures_of(tests, "bad-input", "sends_random_bytes")),
    "no request (6)": lambda tests: _rude(figures_of(tests, "bad-input", "closes_without_a_request")),
    "oversized head (6)": lambda tests: _rude(figures_of(tests, "bad-input", "sends_an_oversized_request")),
    "100-continue (14)": lambda tests: _timed(figures_of(tests, "expect-continue"), "continue_answer",
                                              "continue_delay"),
    "drain (17)": lambda tests: _seconds(figures_of(tests, "graceful-stop").get("drain_time")),
    "after the stop (17)": lambda tests: wording(figures_of(tests, "graceful-stop").get("late_connection", "-")),
}


# The load properties' figures: column -> how to read it off a run's tests.
LOAD_COLUMNS: dict[str, Callable[[list[dict]], str]] = {
    "SYNs sent again (18)": lambda tests: _syns_again(figures_of(tests, "burst")),
    "connect p50 / p99 (18)": lambda tests: _pair(figures_of(tests, "burst"), "connect_p50", "connect_p99"),
    "first byte, 64 at once, p50 / p99 (18)": lambda tests: _pair(figures_of(tests, "burst"), "first_byte_c64_p50",
                                                                 "first_byte_c64_p99"),
    "CPU past the limit (19)": lambda tests: _share(figures_of(tests, "descriptor-limit").get("cpu_at_limit")),
    "recovered (19)": lambda tests: _seconds(figures_of(tests, "descriptor-limit").get("recovery_time")),
    "the excess connections (19)": lambda tests: wording(figures_of(tests, "descriptor-limit")
                                                         .get("excess_connections", "-")),
    "non-reader let go (20)": lambda tests: _timed(figures_of(tests, "slow-reader"), "slow_reader_ending",
                                                   "send_timeout"),
    "memory taken on for it (20)": lambda tests: _bytes(figures_of(tests, "slow-reader").get("memory_growth")),
    "crowd capacity (21)": lambda tests: _capacity(figures_of(tests, "crowd")),
    "memory per idle connection (21)": lambda tests: _bytes(figures_of(tests, "crowd").get("idle_connection_memory")),
}


# The TLS handshake the server chose, recorded by close-notify-before-fin: column -> how to read it off a run's tests.
# The gate's clients offer no ALPN protocol, so "none" is what the server chose when offered none.
HANDSHAKE_COLUMNS: dict[str, Callable[[list[dict]], str]] = {
    "TLS version (22)": lambda tests: figures_of(tests, "close-notify-before-fin").get("tls_version", "-"),
    "cipher (22)": lambda tests: figures_of(tests, "close-notify-before-fin").get("tls_cipher", "-"),
    "ALPN (22)": lambda tests: _alpn(figures_of(tests, "close-notify-before-fin")),
    "handshake time (22)": lambda tests: _seconds(figures_of(tests, "close-notify-before-fin").get("handshake_time")),
}

# Each figure table: its caption and columns.
FIGURE_TABLES: list[tuple[str, dict[str, Callable[[list[dict]], str]]]] = [
    ('What the gate measured ("never": still open when the gate stopped waiting; a rude client\'s ending is timed '
     "from its last byte, the upload's from the client's ACK of the answer):", FIGURE_COLUMNS),
    ("Under load (burst: the default 128 connects at once; descriptor-limit: 100 idle connections under a limit of "
     "64 descriptors; slow-reader: a client that pipelines and never reads; crowd: up to 256 idle connections):",
     LOAD_COLUMNS),
    ("The TLS handshake (the server's choice; the handshake time runs from the ClientHello to the later "
     "Finished, in TLS 1.3 the client's):", HANDSHAKE_COLUMNS),
]


def figure_tables(rows: list[Row]) -> list[str]:
    """Each figure table with its caption, but only the columns some server has a figure in: a table whose
    properties every run skipped (the load in a --tls run, the handshake in a plain one) is left out."""
    lines = []
    for caption, columns in FIGURE_TABLES:
        measured = {name: read for name, read in columns.items() if any(read(row.tests) != "-" for row in rows)}
        if measured:
            lines += [caption, "", *figure_table(rows, measured), ""]
    return lines


def figure_table(rows: list[Row], columns: dict[str, Callable[[list[dict]], str]]) -> list[str]:
    header = ["server", *columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        lines.append("| " + " | ".join([row.server.name, *(read(row.tests) for read in columns.values())]) + " |")
    return lines


def _alpn(figures: dict) -> str:
    if "tls_version" not in figures:
        return "-"
    return figures.get("tls_alpn", "none")


def _syns_again(figures: dict) -> str:
    if "syn_retransmissions" not in figures:
        return "-"
    return f"{figures['syn_retransmissions']} (backlog {figures.get('listen_backlog', '?')})"


def _pair(figures: dict, first: str, second: str) -> str:
    return "-" if first not in figures else f"{_seconds(figures[first])} / {_seconds(figures.get(second))}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _bytes(value: int | None) -> str:
    if value is None:
        return "-"
    return f"{value / 2**20:.1f} MiB" if abs(value) >= 2**20 else f"{value / 2**10:.0f} KiB"


def _capacity(figures: dict) -> str:
    """The crowd size at which a fresh client first waited; "none waited" when it never did."""
    if "crowd_capacity" in figures:
        return str(figures["crowd_capacity"])
    return "none waited" if "idle_connection_memory" in figures else "-"


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.1f} s"


def _timed(figures: dict, name: str, timing: str) -> str:
    """"FIN 5.0 s": the category figure `name` and its timing; "never" for a connection still open."""
    how = figures.get(name)
    if how is None:
        return "-"
    if how == category.OPEN:
        return "never"
    return f"{wording(how)} {_seconds(figures.get(timing))}".removesuffix(" -")


def _idle(figures: dict) -> str:
    if figures.get("keep_alive") == category.NO_KEEP_ALIVE:
        return wording(category.NO_KEEP_ALIVE)
    if figures.get("idle_close") == category.OPEN:
        return f"> {_seconds(figures.get('idle_timeout'))}"
    return _timed(figures, "idle_close", "idle_timeout")


def _rude(figures: dict) -> str:
    if figures.get("rude_ending") == category.OPEN:
        return "never"
    return _timed(figures, "rude_ending", "rude_ending_after")


def failure_lines(rows: list[Row]) -> list[str]:
    """Per server, each failed test's property, verdict, first problem's kind and the frame the gate blames."""
    lines = []
    for row in rows:
        failed = [test for test in sorted(row.tests, key=lambda test: number(test["property"]))
                  if test["outcome"] in ("failed", "error")]
        if failed:
            lines.append(f"- {row.server.name}: " + "; ".join(_failure(test) for test in failed))
    return lines or ["- none"]


def _failure(test: dict) -> str:
    verdict = "warn" if failure_level(test) == "SHOULD" and test["outcome"] == "failed" else "FAIL"
    case = re.search(r"\[(.+)\]$", test["nodeid"])
    problem = test["problems"][0] if test["problems"] else None
    where = f"`{problem['kind']}` at frame {problem['frame']}" if problem else test["message"]
    return f"{number(test['property'])}{f' [{case.group(1)}]' if case else ''} {verdict}: {where}"


def number(key: str) -> int:
    return [prop.key for prop in PROPERTIES].index(key) + 1


def rewrite_survey(survey: Survey, tables: str) -> None:
    """Replace what is between the survey's start marker and its notes marker (else its end marker) with the dated
    tables; the hand-written notes that explain each warn and fail from the frames, after the notes marker, stay."""
    page = REPO_ROOT / survey.page
    text = page.read_text()
    start = text.index(survey.tag("start")) + len(survey.tag("start"))
    end = text.index(survey.tag("notes")) if survey.tag("notes") in text else text.index(survey.tag("end"))
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    section = (f"\n\nFrom `{survey.command}` on {today}, wirecheck {wirecheck_commit()}, {survey.gate}, servers "
               f"run as nobody, one after another:\n\n{tables}\n\n")
    page.write_text(text[:start] + section + text[end:])


def wirecheck_commit() -> str:
    """The clone's commit, by its date (the table lands on a documentation page, and no page names a commit hash:
    tests/unit/test_docs_no_internal_refs.py), marked when wirecheck/ has changes not committed (the gate that ran
    is not that commit's)."""
    date = subprocess.run(["git", "log", "-1", "--format=%cd", "--date=format-local:%Y-%m-%d %H:%M"],
                          cwd=REPO_ROOT, capture_output=True, text=True, env={**os.environ, "TZ": "UTC"}).stdout.strip()
    commit = f"as committed on {date} UTC" if date else "?"
    changed = subprocess.run(["git", "status", "--porcelain", "--", "wirecheck"], cwd=REPO_ROOT, capture_output=True,
                             text=True).stdout.strip()
    return f"{commit} (with uncommitted changes in wirecheck/)" if changed else commit


if __name__ == "__main__":
    sys.exit(main())
