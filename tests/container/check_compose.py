#!/usr/bin/python3
"""docker/compose.yml and docker/Dockerfile, checked without a container engine (issue 13,
acceptance 2): the compose file parses; every service has an image; every bind mount's source
exists; every named volume is declared; every published port is one the service listens on;
depends_on names services; the Prometheus config, staged as the container sees it (its
mounts), passes `promtool check config`, and scrapes only services and ports of the stack;
reachprobe's mounted config passes `reachprobe validate` and schedules only the stack's
targets; Grafana's provisioning points at the mounted dashboard and the Prometheus service.
The Dockerfile: non-root USER, EXPOSE 9115, reachprobe as ENTRYPOINT and HEALTHCHECK, and its
runtime packages provide every shared library the binary needs: those it is linked with and
those it loads with dlopen() on first use (libcurl, libssh: the names in its sources).

usage: check_compose.py SOURCE_DIR REACHPROBE_BINARY   (exit 77: a tool is missing)
"""
import json, os, re, shutil, subprocess, sys, tempfile, urllib.parse

try:
    import yaml
except ImportError:
    print("SKIP: python3-yaml is missing (docker/bootstrap-debian12.sh installs it)")
    sys.exit(77)

src, binary = sys.argv[1], sys.argv[2]
docker = os.path.join(src, "docker")
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def host_port(address, default_port):
    """host and port of 'host:port', 'http://host[:port]/...' or 'host'."""
    if "://" in address:
        u = urllib.parse.urlsplit(address)
        return u.hostname, u.port or {"http": 80, "https": 443}.get(u.scheme, default_port)
    host, _, port = address.partition(":")
    return host, int(port) if port else default_port


compose = yaml.safe_load(open(os.path.join(docker, "compose.yml")))
services = compose.get("services", {})
named_volumes = set((compose.get("volumes") or {}).keys())
check(bool(services), f"compose.yml parses, {len(services)} services")

# What each service listens on, from its own config (images' documented defaults otherwise).
LISTENS = {"prometheus": {9090}, "grafana": {3000}, "demo-web": {80}, "demo-broken": set()}
for name, svc in services.items():
    if name == "reachprobe":
        listen = next((a.split("=", 1)[1] for a in svc.get("command", [])
                       if a.startswith("--web.listen-address=")), ":9115")
        LISTENS[name] = {int(listen.rsplit(":", 1)[1])}
    if name == "demo-broken":  # busybox httpd -p PORT
        port = re.search(r"httpd\b.*?-p (\d+)", " ".join(svc.get("command", [])))
        LISTENS[name] = {int(port.group(1))} if port else {80}

mounts = {}  # service -> {container path: host path}
for name, svc in services.items():
    check(isinstance(svc.get("image"), str) and svc["image"], f"{name}: has an image")
    if "build" in svc:
        ctx = os.path.normpath(os.path.join(docker, svc["build"]["context"]))
        dockerfile = os.path.join(ctx, svc["build"]["dockerfile"])
        check(os.path.isfile(dockerfile), f"{name}: build {svc['build']['dockerfile']} exists")
    for dep in svc.get("depends_on", []):
        check(dep in services, f"{name}: depends_on {dep} is a service")
    mounts[name] = {}
    for v in svc.get("volumes", []):
        source, target = v.split(":")[0], v.split(":")[1]
        if source.startswith((".", "/")):
            path = os.path.normpath(os.path.join(docker, source))
            check(os.path.exists(path), f"{name}: mount source {source} exists")
            mounts[name][target] = path
        else:
            check(source in named_volumes, f"{name}: volume {source} is declared")
    for p in svc.get("ports", []):
        container_port = int(str(p).rsplit(":", 1)[1].split("/")[0])
        check(container_port in LISTENS.get(name, set()),
              f"{name}: published port {p} is one it listens on {sorted(LISTENS.get(name, []))}")


def mounted(service, container_path):
    return mounts.get(service, {}).get(container_path)


# ---- Prometheus: staged as its container sees it, then promtool.
prom = services.get("prometheus", {})
prom_config_path = next((a.split("=", 1)[1] for a in prom.get("command", [])
                         if a.startswith("--config.file=")), "/etc/prometheus/prometheus.yml")
promtool = shutil.which("promtool")
if promtool is None:
    print("SKIP: promtool not found")
    sys.exit(77)
with tempfile.TemporaryDirectory() as root:
    for target, path in mounts.get("prometheus", {}).items():
        staged = os.path.join(root, target.lstrip("/"))
        if os.path.isdir(path):
            shutil.copytree(path, staged)
        else:
            os.makedirs(os.path.dirname(staged), exist_ok=True)
            shutil.copy(path, staged)
    staged_config = os.path.join(root, prom_config_path.lstrip("/"))
    r = subprocess.run([promtool, "check", "config", staged_config], capture_output=True, text=True)
    check(r.returncode == 0, "promtool check config of the staged Prometheus config: "
          + (r.stdout + r.stderr).strip().replace("\n", " | ")[-300:])
prom_config = yaml.safe_load(open(mounted("prometheus", prom_config_path)))
for job in prom_config.get("scrape_configs", []):
    targets = [t for sc in job.get("static_configs", []) for t in sc.get("targets", [])]
    address_rewrite = next((r.get("replacement") for r in job.get("relabel_configs", [])
                            if r.get("target_label") == "__address__"), None)
    scraped = [address_rewrite] if address_rewrite else targets
    for a in scraped:
        host, port = host_port(a, 80)
        check(host in services and port in LISTENS.get(host, set()),
              f"prometheus job {job['job_name']}: scrapes {a}, a service port of the stack")
    if address_rewrite:  # the /probe targets are probed by reachprobe, from inside the stack
        for t in targets:
            host, port = host_port(t, 80)
            check(host in services and port in LISTENS.get(host, set()),
                  f"prometheus job {job['job_name']}: probe target {t} is a service port")

# ---- reachprobe: its mounted config validates, and schedules the stack's targets.
rp = services.get("reachprobe", {})
rp_config_path = next((a.split("=", 1)[1] for a in rp.get("command", [])
                       if a.startswith("--config.file=")), "/etc/reachprobe/config.yml")
rp_config = mounted("reachprobe", rp_config_path)
check(rp_config is not None, f"reachprobe: --config.file {rp_config_path} is a mounted file")
if rp_config:
    r = subprocess.run([binary, "validate", "--config.file", rp_config], capture_output=True,
                       text=True)
    check(r.returncode == 0, "reachprobe validate: " + (r.stdout + r.stderr).strip())
    for group in yaml.safe_load(open(rp_config)).get("targets", []):
        for t in group["targets"]:
            host, port = host_port(t, 80)
            check(host in services and port in LISTENS.get(host, set()),
                  f"reachprobe schedules {t}, a service port of the stack")

# ---- Grafana: provisioning points at the mounted dashboard and at the Prometheus service.
graf = mounts.get("grafana", {})
dash_target = next((t for t in graf if t.endswith(".json")), None)
check(dash_target is not None, "grafana: the dashboard JSON is mounted")
if dash_target:
    json.load(open(graf[dash_target]))
    providers_dir = graf.get("/etc/grafana/provisioning/dashboards")
    paths = [p["options"]["path"] for f in sorted(os.listdir(providers_dir))
             for p in yaml.safe_load(open(os.path.join(providers_dir, f)))["providers"]]
    check(os.path.dirname(dash_target) in paths,
          f"grafana: a dashboard provider reads {os.path.dirname(dash_target)}")
ds_dir = graf.get("/etc/grafana/provisioning/datasources")
for f in sorted(os.listdir(ds_dir)) if ds_dir else []:
    for ds in yaml.safe_load(open(os.path.join(ds_dir, f)))["datasources"]:
        host, port = host_port(ds["url"], 80)
        check(host == "prometheus" and port in LISTENS["prometheus"],
              f"grafana datasource {ds['name']}: {ds['url']} is the Prometheus service")

# ---- Dockerfile.
dockerfile = open(os.path.join(docker, "Dockerfile")).read()
runtime = dockerfile[dockerfile.rindex("\nFROM "):]
user = re.search(r"^USER\s+(\S+)", runtime, re.M)
check(user is not None and user.group(1).split(":")[0] not in ("root", "0"),
      f"Dockerfile: runs as {user.group(1) if user else 'root'}, not root")
check(re.search(r"^EXPOSE\s+9115\b", runtime, re.M) is not None, "Dockerfile: EXPOSE 9115")
check(re.search(r'^ENTRYPOINT\s+\["reachprobe"\]', runtime, re.M) is not None,
      "Dockerfile: ENTRYPOINT [\"reachprobe\"]")
check(re.search(r'CMD \["reachprobe"', runtime) is not None, "Dockerfile: HEALTHCHECK runs reachprobe")
installed = set(re.findall(r"\b(lib[a-z0-9.+-]+|ca-certificates)\b",
                           runtime[runtime.index("apt-get install"):runtime.index("rm -rf")]))
base = {"libc6", "libstdc++6", "libgcc-s1"}
needed = re.findall(r"\(NEEDED\).*\[(.+)\]", subprocess.run(
    ["readelf", "-d", binary], capture_output=True, text=True).stdout)
loaded = set()
for folder in ("prober", "targets", "exporters"):
    for dirpath, _, files in os.walk(os.path.join(src, folder)):
        for name in files:
            if name.endswith(".cpp"):
                with open(os.path.join(dirpath, name), encoding="utf-8") as f:
                    text = f.read()
                # targets/shared_library.hpp's SharedLibrary is what calls dlopen().
                if "SharedLibrary" in text:
                    loaded.update(re.findall(r'"(lib[\w+-]+\.so\.\d+)"', text))
check({"libcurl.so.4", "libssh.so.4"} <= loaded,
      f"the sources dlopen libcurl and libssh (found {sorted(loaded)})")
needed += sorted(loaded)
for soname in needed:
    if re.match(r"lib(a|ub|l|t)san\.so", soname):
        continue  # a sanitizer build's runtime (the asan preset), never the image's binary
    r = subprocess.run(["dpkg", "-S", "*/" + soname], capture_output=True, text=True)
    packages = {line.split(":")[0] for line in r.stdout.splitlines()}
    check(bool(packages & (installed | base)),
          f"Dockerfile: {soname} comes with {sorted(packages) or '?'} in the runtime stage")

print(f"{len(failures)} failed" if failures else "all hold")
sys.exit(1 if failures else 0)
