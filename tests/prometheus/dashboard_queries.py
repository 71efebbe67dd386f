#!/usr/bin/env python3
"""The queries of docker/grafana/reachprobe-dashboard.json, checked without Grafana.

Grafana is not installable on the build machines, so its dashboard is judged by what it sends
to Prometheus:

  check DASHBOARD --rules RULES [--rules-out FILE]
      The JSON parses; the dashboard has a Prometheus data source variable and vantage/module/
      target variables from label_values(); every panel has targets, each with an `expr`, on the
      data source variable; every $variable in an expr is defined (or one of Grafana's own), and
      is only used as a regex matcher (=~), so "All" (.*) and multi-values work; every recorded
      series an expr reads (a name with a colon) is recorded in RULES. With --rules-out, writes
      every expr (variables substituted as the lab does) as a recording rule, for
      `promtool check rules` to parse as PromQL.

  query DASHBOARD --url URL [--quiet]
      Evaluates every panel expr and every label_values() variable query, with the variables
      substituted, through URL's /api/v1/query; each must return at least one series (and the
      variable queries a series with the label they list). Prints the ones that did not; exit 1.

  expect FILE --url URL [--quiet]
      Each line of FILE is `present EXPR`, `absent EXPR`, or `eq|lt|gt NUMBER EXPR` (every
      series of EXPR equal to / below / above NUMBER, and at least one); `#` starts a comment.
      Prints the expectations that do not hold; exit 1.

Substitution: $vantage, $module, $target (and any other dashboard variable) become `.*`;
$__rate_interval and $__range become 1m, $__interval 15s.
"""

import argparse
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

BUILTINS = {
    "__rate_interval": "1m",
    "__range": "1m",
    "__interval": "15s",
    "__range_s": "60",
    "__interval_ms": "15000",
}
VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)")
# A label matcher whose value holds a variable: name, operator.
MATCHER_WITH_VARIABLE = re.compile(r'(\w+)\s*(=~|!~|!=|=)\s*"[^"]*\$')
RECORDED_NAME = re.compile(r"\b([a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_:]+)\b")
LABEL_VALUES = re.compile(r"^\s*label_values\((.*),\s*(\w+)\s*\)\s*$", re.S)


def panels_of(dashboard):
    """Every panel, rows' collapsed panels included, rows themselves excluded."""
    for panel in dashboard.get("panels", []):
        if panel.get("type") == "row":
            yield from panel.get("panels", [])
        else:
            yield panel


def exprs_of(dashboard):
    """(panel title, refId, expr) of every target of every panel."""
    for panel in panels_of(dashboard):
        for target in panel.get("targets", []):
            yield panel.get("title", "?"), target.get("refId", "?"), target.get("expr")


def variable_queries(dashboard):
    """(variable name, query text) of every query variable."""
    for var in dashboard.get("templating", {}).get("list", []):
        if var.get("type") != "query":
            continue
        query = var.get("query")
        if isinstance(query, dict):
            query = query.get("query")
        yield var.get("name"), query or var.get("definition", "")


def substitute(expr, names):
    def one(match):
        name = match.group(1) or match.group(2)
        if name in BUILTINS:
            return BUILTINS[name]
        if name in names:
            return ".*"
        raise KeyError(name)

    return VARIABLE.sub(one, expr)


def check(args):
    problems = []
    try:
        with open(args.dashboard, encoding="utf-8") as f:
            dashboard = json.load(f)
    except (OSError, ValueError) as e:
        print(f"{args.dashboard}: not JSON: {e}")
        return 1
    with open(args.rules, encoding="utf-8") as f:
        recorded = set(re.findall(r"^\s*- record:\s*(\S+)", f.read(), re.M))

    if not isinstance(dashboard.get("schemaVersion"), int) or dashboard["schemaVersion"] < 36:
        problems.append(f"schemaVersion {dashboard.get('schemaVersion')!r}: want 36 or later")
    variables = {v.get("name"): v for v in dashboard.get("templating", {}).get("list", [])}
    ds = variables.get("datasource")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        problems.append("no `datasource` variable of type datasource for prometheus")
    for name in ("vantage", "module", "target"):
        queries = dict(variable_queries(dashboard))
        if not LABEL_VALUES.match(queries.get(name, "") or ""):
            problems.append(f"variable {name}: not a label_values() query")

    rules = []
    count = 0
    for title, ref, expr in exprs_of(dashboard):
        count += 1
        where = f"panel {title!r} target {ref}"
        if not isinstance(expr, str) or not expr.strip():
            problems.append(f"{where}: no expr")
            continue
        for match in MATCHER_WITH_VARIABLE.finditer(expr):
            if match.group(2) != "=~":
                problems.append(f"{where}: {match.group(0)!r}: a variable needs =~ (All is .*)")
        for name in RECORDED_NAME.findall(re.sub(r'"[^"]*"', '""', expr)):
            if name not in recorded and name != "ALERTS":
                problems.append(f"{where}: {name} is not recorded by {args.rules}")
        try:
            rules.append((where, substitute(expr, variables)))
        except KeyError as e:
            problems.append(f"{where}: unknown variable ${e.args[0]}")
    for panel in panels_of(dashboard):
        title = panel.get("title", "?")
        if not panel.get("targets"):
            problems.append(f"panel {title!r}: no targets")
        uids = [panel.get("datasource", {}).get("uid")]
        uids += [t.get("datasource", {}).get("uid") for t in panel.get("targets", [])]
        if any(uid != "${datasource}" for uid in uids):
            problems.append(f"panel {title!r}: data source is not ${{datasource}}: {uids}")
    for name, query in variable_queries(dashboard):
        match = LABEL_VALUES.match(query or "")
        if match:
            try:
                rules.append((f"variable {name}", substitute(match.group(1), variables)))
            except KeyError as e:
                problems.append(f"variable {name}: unknown variable ${e.args[0]}")

    if args.rules_out:
        with open(args.rules_out, "w", encoding="utf-8") as f:
            f.write("groups:\n  - name: dashboard-exprs\n    rules:\n")
            for i, (where, expr) in enumerate(rules):
                f.write(f"      # {where}\n      - record: dashboard:expr{i}\n")
                f.write(f"        expr: {json.dumps(expr)}\n")
    for p in problems:
        print(p)
    print(f"{args.dashboard}: {count} panel queries and {len(rules) - count} variable queries, "
          f"{len(problems)} problems")
    return 1 if problems else 0


def instant(url, promql):
    """The result vector of an instant query, or raises with Prometheus' error."""
    full = url.rstrip("/") + "/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    try:
        with urllib.request.urlopen(full, timeout=10) as answer:
            body = json.load(answer)
    except urllib.error.HTTPError as e:
        body = json.load(e)
    if body.get("status") != "success":
        raise RuntimeError(f"{body.get('errorType')}: {body.get('error')}")
    data = body["data"]
    if data["resultType"] == "scalar":
        return [{"metric": {}, "value": data["result"]}]
    return data["result"]


def query(args):
    with open(args.dashboard, encoding="utf-8") as f:
        dashboard = json.load(f)
    names = {v.get("name") for v in dashboard.get("templating", {}).get("list", [])}
    failed = 0
    checks = [(f"panel {t!r} {r}", substitute(e, names), None) for t, r, e in exprs_of(dashboard)]
    for name, text in variable_queries(dashboard):
        match = LABEL_VALUES.match(text)
        checks.append((f"variable {name}", substitute(match.group(1), names), match.group(2)))
    for where, promql, label in checks:
        try:
            result = instant(args.url, promql)
            if label:
                result = [s for s in result if s.get("metric", {}).get(label)]
            verdict = f"{len(result)} series" if result else "no series"
        except (OSError, RuntimeError, ValueError) as e:
            result, verdict = [], f"error {e}"
        if not result:
            failed += 1
        if not result or not args.quiet:
            print(f"{'ok  ' if result else 'FAIL'} {where}: {verdict}: {promql}")
    print(f"{len(checks) - failed} of {len(checks)} dashboard queries returned data")
    return 1 if failed else 0


def expect(args):
    failed = total = 0
    with open(args.file, encoding="utf-8") as f:
        lines = [line.strip() for line in f if line.strip() and not line.startswith("#")]
    for line in lines:
        total += 1
        word, rest = line.split(None, 1)
        bound = None
        if word in ("eq", "lt", "gt"):
            number, promql = rest.split(None, 1)
            bound = float(number)
        else:
            promql = rest
        try:
            result = instant(args.url, promql)
            values = [float(s["value"][1]) for s in result]
            if word == "absent":
                good = not result
            elif word == "present":
                good = bool(result)
            else:
                test = {"eq": lambda v: abs(v - bound) < 1e-9, "lt": lambda v: v < bound,
                        "gt": lambda v: v > bound}[word]
                good = bool(values) and all(test(v) for v in values)
            shown = ", ".join(
                "{" + ",".join(f'{k}="{v}"' for k, v in sorted(s["metric"].items())
                               if k not in ("job", "instance", "team")) + "} " + s["value"][1]
                for s in result[:6]) or "no series"
        except (OSError, RuntimeError, ValueError) as e:
            good, shown = False, f"error {e}"
        if not good:
            failed += 1
        if not good or not args.quiet:
            print(f"{'ok  ' if good else 'FAIL'} {line}\n       -> {shown}")
    print(f"{total - failed} of {total} expectations hold")
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check")
    c.add_argument("dashboard")
    c.add_argument("--rules", required=True)
    c.add_argument("--rules-out")
    q = sub.add_parser("query")
    q.add_argument("dashboard")
    q.add_argument("--url", required=True)
    q.add_argument("--quiet", action="store_true")
    e = sub.add_parser("expect")
    e.add_argument("file")
    e.add_argument("--url", required=True)
    e.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    return {"check": check, "query": query, "expect": expect}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
