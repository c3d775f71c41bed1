"""``lambda-kit serve``: a synthesized app's HTTP APIs on 127.0.0.1 as API Gateway and Lambda serve them, and
Lambda's Invoke API for its functions on the same port, no Docker.

    lambda-kit serve [--assembly cdk.out] [--stack PATTERN ...] [--port 0] [--max-idle 300]
                     [--max-environments 10] [--no-throttle] [--idle-timeout 60] [--env NAME=VALUE ...]
                     [--logs]

Reads the cloud assembly (``lambda_kit.local.local_app``): starts moto server with the resources the functions'
environments name and a UDP listener standing in for the X-Ray daemon, then an HTTP server (uvicorn, h11:
``front_server``) whose application (``front``) answers the routes of the templates' HTTP APIs as API Gateway does
(``api_gateway``, ``http_gateway``: lambda-kit/docs/http-api.md lists each behaviour, its source and its test) and
``POST /2015-03-31/functions/{name}/invocations`` as Lambda does (``invoke_api``). Each function runs from its
synthesized code and layer assets through AWS's runtime interface client, in execution environments kept warm
between requests (``local_lambda``, ``environment_pool``): one request at a time each, a new one (a cold start)
when all are busy, up to the function's reserved concurrency (else ``--max-environments``); beyond it the
invocation is throttled as Lambda throttles it. ``--no-throttle`` lifts the stages' throttling and makes an
invocation beyond a function's concurrency wait for an environment instead. One access line per request; Ctrl-C
stops everything it started.
"""

from __future__ import annotations

import argparse
import signal
import sys
from types import FrameType

from lambda_kit import config as kit_config
from lambda_kit.assembly.app_model import Function, HttpApi
from lambda_kit.assembly.cloud_assembly import AssemblyError, add_selection_args
from lambda_kit.local import front_server
from lambda_kit.local.api_gateway import ApiGateway
from lambda_kit.local.front import Front
from lambda_kit.local.gateway_auth import LocalJwks
from lambda_kit.local.local_app import LocalApp
from lambda_kit.local.local_lambda import LocalLambda
from lambda_kit.local.provision import ProvisionError


def say(line: str) -> None:
    print(line, flush=True)


def _stop_on(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lambda-kit serve", description=__doc__.split("\n\n")[0])
    add_selection_args(parser, "serve")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: a free one, printed)")
    parser.add_argument("--max-idle", type=float, default=300.0, help="seconds before an idle environment stops")
    parser.add_argument(
        "--max-environments",
        type=int,
        default=10,
        help="concurrency of a function without reserved concurrency in its template (default 10)",
    )
    parser.add_argument(
        "--no-throttle",
        action="store_true",
        help="lift the stages' throttling; an invocation beyond a function's concurrency waits instead",
    )
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=60.0,
        help="seconds a connection may stay idle or stall mid-request before it is closed (default 60)",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a variable set in every environment on top of the function's (repeatable): "
        "AWS_ENDPOINT_URL_CODEDEPLOY=http://127.0.0.1:PORT, say",
    )
    parser.add_argument("--logs", action="store_true", help="also print the function's log lines")
    args = parser.parse_args(argv)
    if bad := [pair for pair in args.env if "=" not in pair or pair.startswith("=")]:
        parser.error(f"--env takes NAME=VALUE, got {', '.join(bad)}")
    for stop in (signal.SIGINT, signal.SIGTERM):  # also when started with SIGINT ignored (a background job)
        signal.signal(stop, _stop_on)
    try:
        local = LocalApp(args.assembly, kit_config.stack_patterns(args.stage, args.stack))
        if not any(api.routes for api in local.model.apis):
            raise AssemblyError(f"{args.assembly}: the selected stacks have no HTTP API routes to serve")
        with local:
            return _serve(local, args)
    except (AssemblyError, ProvisionError, kit_config.ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _serve(local: LocalApp, args: argparse.Namespace) -> int:
    sock = front_server.listening_socket(args.host, args.port)
    host, port = sock.getsockname()[:2]
    # A function that calls Lambda (a hook invoking a version) reaches this server's Invoke API; --env on top.
    environment = {"AWS_ENDPOINT_URL_LAMBDA": f"http://{host}:{port}", **dict(e.split("=", 1) for e in args.env)}
    functions = LocalLambda(local, args.max_environments, args.max_idle, args.no_throttle, environment)
    jwks = LocalJwks(local.cache)
    gateway = ApiGateway(local.model.apis, functions, jwks, throttle=not args.no_throttle)
    front = Front(gateway, functions, args.idle_timeout, say, args.logs)
    # Each routed function's configuration first: it creates what the function's environment names.
    configs = {route.key: local.config(route.function) for api in local.model.apis for route in api.routes}
    say(f"moto server: {local.moto.endpoint_url}   X-Ray daemon (UDP listener): {local.xray.address}")
    for line in local.provisioned.created if local.provisioned else ():
        say(f"created {line}")
    for api in local.model.apis:
        for route in api.routes:
            config = configs[route.key]
            say(
                f"route {route.key} -> {route.function.label} ({config.handler}, {config.memory_mb} MB, "
                f"timeout {config.timeout_seconds} s)"
            )
        for line in _api_settings(api, jwks, args.no_throttle):
            say(line)
    for function in functions.functions:
        unqualified = function.resolve(None)  # $LATEST, or $LATEST.PUBLISHED on managed instances (if published)
        versions = [*([unqualified] if unqualified else []), *(str(n + 1) for n in range(len(function.versions)))]
        aliases = "".join(f"; alias {a.name} -> {function.resolve(a.name)}" for a in function.aliases)
        scaling = _scaling(functions, function, versions)
        say(f"function {local.name(function)} ({function.label}): versions {', '.join(versions)}{aliases}; {scaling}")
    say(f"listening on http://{host!s}:{port}   (Ctrl-C to stop)")
    try:
        front_server.server(front, args.idle_timeout).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn stops on SIGINT/SIGTERM, then raises the signal again for our handler
        pass
    finally:
        sock.close()
        front.stop()
        functions.stop()
    say("stopped: the front, the functions' environments, moto server and the UDP listener")
    return 0


def _scaling(functions: LocalLambda, function: Function, versions: list[str]) -> str:
    """Its concurrency, or on managed instances the requests one environment serves and each version's environments."""
    if function.max_concurrency is None:
        return f"concurrency {functions.concurrency(function)}"
    environments = ", ".join(f"{v}: {functions.managed_environments(function, v)}" for v in versions)
    return (
        f"managed instances, {function.max_concurrency} requests at once per environment (its workers); "
        f"environments {environments}"
    )


def _api_settings(api: HttpApi, jwks: LocalJwks, no_throttle: bool) -> list[str]:
    """What the front applies to an API, as the template sets it: throttling, CORS, authorizers."""
    lines = []
    if api.throttling is not None:
        rate, burst = api.throttling
        lifted = " (lifted: --no-throttle)" if no_throttle else ""
        lines.append(f"throttling {api.label}: {rate:g} requests/s, burst {burst}{lifted}")
    if api.cors is not None:
        lines.append(f"cors {api.label}: origins {', '.join(api.cors.get('AllowOrigins', []))}")
    for route in api.routes:
        if route.authorization_type == "JWT" and route.authorizer is not None:
            jwt = route.authorizer.get("JwtConfiguration", {})
            lines.append(
                f"jwt {route.key}: issuer {jwt.get('Issuer')}, audience {', '.join(jwt.get('Audience', []))}; "
                f"local JWKS {jwks.jwks_path}, signing key {jwks.signing_key_path}"
            )
        elif route.authorization_type == "AWS_IAM":
            lines.append(f"iam {route.key}: SigV4 for execute-api, {route.function.stack.region}, local credentials")
    return lines


if __name__ == "__main__":
    sys.exit(main())
