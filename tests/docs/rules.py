"""This repository's documents and what the docs test does with each command they show (RULES): the table
``lambda_kit.docs.commands`` reads (its docstring says what each kind of rule means).

Collected from README.md, README.ja.md, CONTRIBUTING.md and docs/**/*.md. A command no rule matches fails
tests/unit/test_docs_commands.py (in ``make test``), which prints the rule to add.
"""

from __future__ import annotations

from pathlib import Path

from lambda_kit.docs.commands import AWS, CI, EXEMPT, OFFLINE, SERVER, Catalog, Rule

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ("README.md", "README.ja.md", "CONTRIBUTING.md", "docs/**/*.md")

# Output lines of the synth benchmark whose numbers are measurements (timings, ratio). `make bench`'s output is
# shown as text (a run with ARGS), not as a command the docs test runs.
SYNTH_BENCH_MEASURED = r"\s*(bare one-function app|this app, |ratio this/bare)"
AWS_CLI_WALKTHROUGH = (
    "the AWS CLI against deployed stacks: needs an account and a deployment, and the AWS CLI is the user's "
    "own tool (make setup does not install it)"
)


RULES: tuple[Rule, ...] = (
    # -- setup, tests and quality gates
    Rule(r"make (synth|test|lint|docs|test-docs|policy-checks|mutation)", CI),
    Rule(r"make mutation MUTATION_MODULES=\S+", OFFLINE, timeout=900),
    Rule(r"cat \.mutation/report\.md", OFFLINE),
    Rule(r"make setup", OFFLINE, timeout=300),
    Rule(r"make lock", OFFLINE, timeout=300),
    Rule(r"\.venv/bin/pytest -m (unit|infra|integration|contract)", OFFLINE),
    Rule(r"cd lambda-kit && \.\./\.venv/bin/pytest tests/tools/test_cost\.py -k break_even", OFFLINE),
    Rule(r"PROPERTY_EXAMPLES=\d+ \.venv/bin/pytest tests/integration/test_property\.py", OFFLINE),
    Rule(r"\.venv/bin/pytest tests/infra( -q)? --snapshot-update", OFFLINE),
    Rule(r"git diff tests/infra/__snapshots__/", OFFLINE),
    # -- a second function (docs/second-function.md): written, registered, tested in the docs' clone
    Rule(r"mkdir lambda_src/status", OFFLINE),
    Rule(r"cat > lambda_src/status/\w+\.py <<'EOF'\n[\s\S]+", OFFLINE),
    Rule(r"git apply <<'EOF'\n[\s\S]+", OFFLINE),
    Rule(r"make routes-table", OFFLINE),
    Rule(r"git status --short", OFFLINE),
    Rule(r"\.venv/bin/pre-commit (install|run --all-files)", OFFLINE),
    # -- synth: the stage configuration section
    Rule(
        r"npx cdk synth( -c stage=prod)? -c (prod\.memory_mb=99|prod\.cold_start_strategy=snapstart|prod\.memory=2048"
        r"|memory_mb=2048|power_tuning=yes|prod\.reserved_concurrency=5"
        r"|dev\.cold_start_strategy=managed-instances( -c dev\.memory_mb=2048)?)",
        OFFLINE,
        exit_status=1,
    ),
    Rule(r"npx cdk synth( -c [a-z_.]+=[a-z0-9,-]+)*", OFFLINE),
    # -- running it locally
    Rule(r"make local", OFFLINE, measured=r".*"),  # ids, ports and durations change on every run
    # 8080: docs/local.md's front; 8081: docs/second-function.md's, serving the second function it added
    Rule(r"make serve PORT=808[01]", SERVER, ready=r"listening on http://\S+:808[01]", timeout=300),
    # Each new order gets its own time and, so, its own receipt (an HMAC of the order).
    Rule(
        r"curl -s -w ' %\{http_code\}\\n' .*localhost:808[01]/orders.*",
        OFFLINE,
        volatile=r'"created_at":"[^"]+"|"receipt":"[0-9a-f]+"',
    ),
    Rule(r"make e2e STAGE=[a-z0-9]+", AWS),
    # -- benchmarks
    Rule(r"\.venv/bin/python -m tests\.integration\.trace_comparison", OFFLINE),
    Rule(r"make bench-synth", OFFLINE, measured=SYNTH_BENCH_MEASURED),
    # -- tools
    Rule(r"\.venv/bin/lambda-kit cost( --[a-z-]+ [\w./-]+)+", OFFLINE),
    Rule(r"\.venv/bin/lambda-kit (cold-start|power-tuning) .+", AWS),
    # -- deploying to an account
    Rule(r"export AWS_REGION=[a-z0-9-]+", OFFLINE),
    Rule(r"make (bootstrap|diff|deploy|destroy|cold-start|power-tuning)( STAGE=[a-z0-9]+)?( ARGS=.*)?", AWS),
    Rule(r"aws configure sso", EXEMPT, why="interactive sign-in with the AWS CLI, the user's own tool"),
    Rule(r"(export )?(API|SM|FN|FN_ARN|EXEC)=\$\(aws .+\)|aws stepfunctions .+", EXEMPT, why=AWS_CLI_WALKTHROUGH),
    Rule(
        r"\.venv/bin/python - <<'EOF'\nimport json, os, urllib\.request\nfrom botocore\.auth import SigV4Auth\n[\s\S]+",
        EXEMPT,
        why="sends a SigV4-signed request to the deployed API; tests/unit/test_readme_sigv4.py runs this block as "
        "written against a local server that checks the signature",
    ),
    Rule(r"curl .+\$API/orders.*", EXEMPT, why="calls the API of a deployed stack (its URL comes from AWS)"),
    Rule(r"REGION=ap-northeast-1", EXEMPT, why="sets a variable for the AWS CLI walkthrough that follows it"),
    Rule(r"cat > /tmp/pt-input\.json <<EOF\n[\s\S]+", EXEMPT, why="writes the walkthrough's input from $FN_ARN"),
)



CATALOG = Catalog(ROOT, DOCUMENTS, RULES, rules_file="tests/docs/rules.py")
