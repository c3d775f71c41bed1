"""Lambda reports as they appear in public material, each with its source: AWS documentation, GitHub
issues (CloudWatch console copies, `aws logs tail`, `sam logs`, Logs Insights), and other projects' test
fixtures (AWS Lambda Power Tuning, Datadog). Lines are kept as published (request ids, `xmpl`
placeholders, odd spacing and all); where a source wraps them (a JSON string, a base64 blob, a markdown
table) the wrapper is kept too, because reading through it is the point. Hand-written ones say so.

``expect`` lists the fields the parser must return; ``absent`` the fields that must be ``None`` (not 0).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

AWS_DOCS = "awsdocs/aws-lambda-developer-guide @03f7fcb (2023-10-30)"
PT_UTILS = "alexcasalboni/aws-lambda-power-tuning test/unit/test-utils.js (4.4.0)"
PT_LAMBDA = "alexcasalboni/aws-lambda-power-tuning test/unit/test-lambda.js (4.4.0), executor logResults"
DD_EXT = "DataDog/datadog-lambda-extension bottlecap/src/extension/telemetry/events.rs"
DD_FWD = "DataDog/datadog-serverless-functions aws/logs_monitoring"


@dataclass(frozen=True)
class Fixture:
    name: str
    form: str
    source: str
    text: str
    expect: dict[str, Any]
    absent: tuple[str, ...] = ()
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _b64(s: str) -> str:
    return base64.b64decode(s).decode()


# PT's executor fixtures are base64 LogResult blobs; decoded here once (the blobs are in the source file).
_PT_2017_HEAD = (
    "START RequestId: 479fb51c-1e38-11e7-99ca-67bf163608ed Version: 99\n"
    "2017-04-10T21:54:32.683Z\t479fb51c-1e38-11e7-99ca-67bf163608ed\tvalue1 = undefined\n"
    "END RequestId: 479fb51c-1e38-11e7-99ca-67bf163608ed\n"
)

FIXTURES: tuple[Fixture, ...] = (
    # ------------------------------------------------------------ Text, as in Invoke's LogResult
    Fixture(
        "pt-text-init",
        "text: LogResult tail",
        PT_UTILS + " textLog",
        "START RequestId: 55bc566d-1e2c-11e7-93e6-6705ceb4c1cc Version: $LATEST\n"
        "END RequestId: 55bc566d-1e2c-11e7-93e6-6705ceb4c1cc\n"
        "REPORT RequestId: 55bc566d-1e2c-11e7-93e6-6705ceb4c1cc\tDuration: 469.40 ms\tBilled Duration: 500 ms\t"
        "Memory Size: 1024 MB\tMax Memory Used: 21 MB\tInit Duration: 100.99 ms",
        {"duration_ms": 469.40, "billed_duration_ms": 500, "memory_size_mb": 1024, "init_duration_ms": 100.99},
        absent=("restore_duration_ms", "status"),
    ),
    Fixture(
        "pt-2017-trailing-space",
        "text: LogResult tail",
        PT_LAMBDA + " (Duration 3.0ms)",
        _PT_2017_HEAD + "REPORT RequestId: 479fb51c-1e38-11e7-99ca-67bf163608ed\tDuration: 3.0 ms\t"
        "Billed Duration: 3 ms \tMemory Size: 128 MB\tMax Memory Used: 15 MB\t\n",
        {"duration_ms": 3.0, "billed_duration_ms": 3, "memory_size_mb": 128, "max_memory_used_mb": 15},
        absent=("init_duration_ms",),
    ),
    Fixture(
        "pt-init-before-memory",
        "text: LogResult tail",
        PT_LAMBDA + " (Duration 0.1ms - Init Duration 0.1ms)",
        _PT_2017_HEAD + "REPORT RequestId: 479fb51c-1e38-11e7-99ca-67bf163608ed\tDuration: 0.1 ms\t"
        "Billed Duration: 1 ms\tInit Duration: 0.1 ms \tMemory Size: 128 MB\tMax Memory Used: 15 MB\t\n",
        {"duration_ms": 0.1, "billed_duration_ms": 1, "init_duration_ms": 0.1, "memory_size_mb": 128},
    ),
    Fixture(
        "pt-newlines-as-spaces",
        "text: newlines turned into spaces",
        PT_LAMBDA + " (Duration 2.0ms, the blob whose newlines are spaces)",
        "START RequestId: 479fb51c-1e38-11e7-99ca-67bf163608ed Version: 99 2017-04-10T21:54:32.683Z\t"
        "479fb51c-1e38-11e7-99ca-67bf163608ed\tvalue1 = undefined END RequestId: 479fb51c-1e38-11e7-99ca-67bf163608ed "
        "REPORT RequestId: 479fb51c-1e38-11e7-99ca-67bf163608ed\tDuration: 2.0 ms\tBilled Duration: 2 ms \t"
        "Memory Size: 128 MB\tMax Memory Used: 15 MB\t",
        {"request_id": "479fb51c-1e38-11e7-99ca-67bf163608ed", "duration_ms": 2.0, "billed_duration_ms": 2},
    ),
    Fixture(
        "aws-docs-nodejs-xray-inline",
        "text: X-Ray block",
        AWS_DOCS + " doc_source/nodejs-logging.md",
        "REPORT RequestId: c793869b-ee49-115b-a5b6-4fd21e8dedac\tDuration: 128.83 ms\tBilled Duration: 200 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 74 MB\tInit Duration: 166.62 ms\t"
        "XRAY TraceId: 1-5d9d007f-0a8c7fd02xmpl480aed55ef0\tSegmentId: 3d752xmpl1bbe37e\tSampled: true\n",
        {"init_duration_ms": 166.62, "trace_id": "1-5d9d007f-0a8c7fd02xmpl480aed55ef0", "max_memory_used_mb": 74},
    ),
    Fixture(
        "dd-forwarder-xray-next-line",
        "text: X-Ray block",
        DD_FWD + "/tests/events/cloudwatch_logs.json (a CloudWatch message)",
        "REPORT RequestId: f08bb4c8-d6b2-4f05-ac17-af7e2ba005fb\tDuration: 619.31 ms\tBilled Duration: 700 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 118 MB\t\n"
        "XRAY TraceId: 1-5e61292c-cc1229a4dfbeae1043928548\tSegmentId: 07a85e713f6302b2\tSampled: true\t\n",
        {"duration_ms": 619.31, "billed_duration_ms": 700, "trace_id": "1-5e61292c-cc1229a4dfbeae1043928548"},
        absent=("init_duration_ms",),
    ),
    # ------------------------------------------------------------ Text with tabs turned into spaces
    Fixture(
        "aws-docs-python-spaces-xray",
        "text: tabs turned into spaces",
        AWS_DOCS + " doc_source/python-logging.md (logging library example)",
        "END RequestId: 1c8df7d3-xmpl-46da-9778-518e6eca8125\n"
        "REPORT RequestId: 1c8df7d3-xmpl-46da-9778-518e6eca8125  Duration: 2.75 ms   Billed Duration: 3 ms "
        "Memory Size: 128 MB Max Memory Used: 56 MB  Init Duration: 113.51 ms\n"
        "XRAY TraceId: 1-5e34a66a-474xmpl7c2534a87870b4370   SegmentId: 073cxmpl3e442861 Sampled: true\n",
        {
            "duration_ms": 2.75,
            "billed_duration_ms": 3,
            "memory_size_mb": 128,
            "max_memory_used_mb": 56,
            "init_duration_ms": 113.51,
            "trace_id": "1-5e34a66a-474xmpl7c2534a87870b4370",
        },
    ),
    Fixture(
        "aws-docs-cli-base64-decoded",
        "text: tabs turned into spaces",
        AWS_DOCS + " doc_source/python-logging.md (aws lambda invoke ... | base64 -d)",
        "END RequestId: 57f231fb-1730-4395-85cb-4f71bd2b87b8\n"
        "REPORT RequestId: 57f231fb-1730-4395-85cb-4f71bd2b87b8  Duration: 79.67 ms      Billed Duration: 80 ms"
        "         Memory Size: 128 MB     Max Memory Used: 73 MB\n",
        {"duration_ms": 79.67, "billed_duration_ms": 80, "memory_size_mb": 128, "max_memory_used_mb": 73},
        absent=("init_duration_ms", "trace_id"),
    ),
    Fixture(
        "aws-docs-custom-runtime-init-first",
        "text: tabs turned into spaces",
        AWS_DOCS + " doc_source/runtimes-custom.md",
        "REPORT RequestId: f8ac1208... Init Duration: 48.26 ms   Duration: 237.17 ms   Billed Duration: 300 ms"
        "   Memory Size: 128 MB   Max Memory Used: 26 MB\n",
        {"request_id": "f8ac1208...", "init_duration_ms": 48.26, "duration_ms": 237.17, "billed_duration_ms": 300},
    ),
    Fixture(
        "lambda-forge-four-spaces",
        "text: tabs turned into spaces",
        "GuiPimenta-Dev/lambda-forge lambda_forge/logs/tui/api/_test_data.py",
        "REPORT RequestId: eb5ea470-b2c6-4739-9c47-cc770c36fea6    Duration: 1013.31 ms    Billed Duration: 1014 ms"
        "    Memory Size: 128 MB    Max Memory Used: 46 MB    Init Duration: 111.94 ms",
        {"duration_ms": 1013.31, "billed_duration_ms": 1014, "init_duration_ms": 111.94},
    ),
    Fixture(
        "otel-lambda-init-billed",
        "text: tabs turned into spaces",
        "open-telemetry/opentelemetry-lambda#2011 (PR description, 2025-10: init billed)",
        "REPORT RequestId: bf5f58db-ef7d-4cb2-b3c6-266eba1bbedb Duration: 395.99 ms Billed Duration: 662 ms "
        "Memory Size: 512 MB Max Memory Used: 301 MB Init Duration: 265.72 ms",
        {"duration_ms": 395.99, "billed_duration_ms": 662, "init_duration_ms": 265.72, "memory_size_mb": 512},
        notes="Billed 662 = ceil(395.99 + 265.72): the INIT phase billed since 2025-08-01",
    ),
    # ------------------------------------------------------------ prefixes: console, aws logs tail, sam logs
    Fixture(
        "sam-logs-snapstart",
        "text: log-stream + timestamp prefix (sam logs)",
        "docwho2/java-connect-lex-chatgpt README.md (sam logs output)",
        "2023/06/02/[72]88ab219a63d343d294d0a9947e8ab36a 2023-06-02T11:27:25.060000 END RequestId: "
        "8c360c87-d4b7-4423-b5f3-af02be3c1763\n"
        "2023/06/02/[72]88ab219a63d343d294d0a9947e8ab36a 2023-06-02T11:27:25.060000 REPORT RequestId: "
        "8c360c87-d4b7-4423-b5f3-af02be3c1763\tDuration: 2338.66 ms\tBilled Duration: 2521 ms\tMemory Size: 3009 MB"
        "\tMax Memory Used: 173 MB\tRestore Duration: 398.97 ms\tBilled Restore Duration: 182 ms\t\n"
        "^C CTRL+C received, cancelling...\n",
        {
            "duration_ms": 2338.66,
            "billed_duration_ms": 2521,
            "memory_size_mb": 3009,
            "restore_duration_ms": 398.97,
            "billed_restore_duration_ms": 182,
        },
        absent=("init_duration_ms",),
    ),
    Fixture(
        "sam-logs-snapstart-2",
        "text: log-stream + timestamp prefix (sam logs)",
        "docwho2/java-connect-lex-chatgpt README.md (sam logs output, earlier version)",
        "2023/07/05/[56]374cd7798d2a4e36a494a23d658b9741 2023-07-05T10:16:34.686000 REPORT RequestId: "
        "b771fecc-1b53-4faf-922d-1d74357b1676\tDuration: 306.34 ms\tBilled Duration: 610 ms\tMemory Size: 3009 MB"
        "\tMax Memory Used: 155 MB\tRestore Duration: 511.25 ms\tBilled Restore Duration: 303 ms\t\n"
        "2023/07/05/[56]374cd7798d2a4e36a494a23d658b9741 2023-07-05T10:16:43.928000 START RequestId: "
        "7667964c-05ac-4891-b28c-56f1282ebc1b Version: 56\n",
        {"restore_duration_ms": 511.25, "billed_restore_duration_ms": 303, "billed_duration_ms": 610},
        notes="Billed Duration 610 = ceil(306.34) + 303: it already includes Billed Restore Duration",
    ),
    Fixture(
        "timestamp-prefix-console",
        "text: timestamp prefix (CloudWatch console / aws logs tail)",
        "aws-solutions-library-samples/cloud-intelligence-dashboards-data-collection#201",
        "2024-09-10T13:32:59.424Z REPORT RequestId: fa60295b-85a2-495a-a7e2-da5c85a5eb1e\tDuration: 19266.38 ms"
        "\tBilled Duration: 19267 ms\tMemory Size: 2688 MB\tMax Memory Used: 2581 MB\t\n\n"
        "2024-09-10T13:32:01.978Z START RequestId: 7102cad9-db37-4b26-b9c9-123665f50123 Version: $LATEST\n",
        {"duration_ms": 19266.38, "memory_size_mb": 2688, "max_memory_used_mb": 2581},
    ),
    Fixture(
        "console-function-logs-markdown",
        "text: console copy (markdown code spans)",
        "ManivannanMurugavel/selenium-python-aws-lambda#12",
        "`START RequestId: c9ee96ed-c1dd-46c5-bbed-fd12d512d186 Version: $LATEST`\n"
        "`END RequestId: c9ee96ed-c1dd-46c5-bbed-fd12d512d186`\n"
        "`REPORT RequestId: c9ee96ed-c1dd-46c5-bbed-fd12d512d186\tDuration: 20009.43 ms\tBilled Duration: 20000 ms"
        "\tMemory Size: 256 MB\tMax Memory Used: 256 MB\tInit Duration: 56.57 ms`\n"
        "`2021-02-16T01:48:40.456Z c9ee96ed-c1dd-46c5-bbed-fd12d512d186 Task timed out after 20.01 seconds`\n",
        {"duration_ms": 20009.43, "init_duration_ms": 56.57, "max_memory_used_mb": 256},
        absent=("status",),
        notes="a 2021 timeout: before Lambda added 'Status:' the REPORT line did not say so",
    ),
    # ------------------------------------------------------------ Text inside a JSON document
    Fixture(
        "aws-docs-get-log-events",
        "text: inside JSON (aws logs get-log-events)",
        AWS_DOCS + " doc_source/python-logging.md (get-logs.sh output)",
        '{\n    "events": [\n        {\n            "timestamp": 1559763003218,\n'
        '            "message": "REPORT RequestId: 4ce9340a-b765-490f-ad8a-02ab3415e2bf\\tDuration: 26.73 ms'
        '\\tBilled Duration: 27 ms \\tMemory Size: 128 MB\\tMax Memory Used: 75 MB\\t\\n",\n'
        '            "ingestionTime": 1559763018353\n        }\n    ]\n}\n',
        {"request_id": "4ce9340a-b765-490f-ad8a-02ab3415e2bf", "duration_ms": 26.73, "billed_duration_ms": 27},
    ),
    Fixture(
        "up-logs-json-message",
        "text: inside JSON (one object per line)",
        "apex/up#663",
        '{"fields":null,"level":"info","timestamp":"2018-05-17T14:46:28+08:00","message":"REPORT RequestId: '
        "fb63a8b6-599d-11e8-a437-911ac44bc0b4\\tDuration: 18018.26 ms\\tBilled Duration: 18000 ms \\tMemory Size: "
        '512 MB\\tMax Memory Used: 82 MB\\t"}\n'
        '{"fields":null,"level":"info","timestamp":"2018-05-17T14:46:28+08:00","message":"2018-05-17T06:46:28.161Z '
        'fb63a8b6-599d-11e8-a437-911ac44bc0b4 Task timed out after 18.02 seconds"}\n',
        {"duration_ms": 18018.26, "billed_duration_ms": 18000, "memory_size_mb": 512},
    ),
    Fixture(
        "insights-json-rows",
        "text: inside JSON (CloudWatch Logs Insights export)",
        "DataBiosphere/azul#5622",
        '[\n    {\n        "@timestamp": "2023-10-20 16:28:17.840",\n'
        '        "@message": "END RequestId: 4299ee26-8d1d-4ea9-bd43-77b85ed96cfe\\n",\n'
        '        "lambda": "azul-indexer-anvilprod-forward_s3_logs"\n    },\n    {\n'
        '        "@timestamp": "2023-10-20 16:28:17.840",\n'
        '        "@message": "REPORT RequestId: 4299ee26-8d1d-4ea9-bd43-77b85ed96cfe\\tDuration: 31012.52 ms'
        '\\tBilled Duration: 31000 ms\\tMemory Size: 128 MB\\tMax Memory Used: 109 MB\\t\\n",\n'
        '        "lambda": "azul-indexer-anvilprod-forward_s3_logs"\n    }\n]\n',
        {"duration_ms": 31012.52, "billed_duration_ms": 31000, "max_memory_used_mb": 109},
    ),
    # ------------------------------------------------------------ Status, Error Type, init errors
    Fixture(
        "insights-status-timeout-init-billed",
        "text: Status: timeout (Logs Insights table)",
        "DataBiosphere/azul#8050",
        "| 2026-06-03 05:22:39.288 | REPORT RequestId: 5bc05270-6f3c-4ea8-85c2-a055f14a150e Duration: 31000.00 ms "
        "Billed Duration: 34440 ms Memory Size: 160 MB Max Memory Used: 150 MB Init Duration: 3439.00 ms "
        "Status: timeout |\n",
        {
            "duration_ms": 31000.0,
            "billed_duration_ms": 34440,
            "init_duration_ms": 3439.0,
            "status": "timeout",
            "memory_size_mb": 160,
        },
        absent=("error_type",),
    ),
    Fixture(
        "init-timeout-one-field-per-line",
        "text: init error + one field per line",
        "DataDog/datadog-lambda-extension#1237",
        "INIT_REPORT Init Duration: 180000.45 ms Phase: invoke Status: timeout\n"
        "REPORT RequestId: 514789fd-5e24-49c5-a41c-24c049a36e2a\n"
        "Duration: 180000.00 ms\nBilled Duration: 180000 ms\nMemory Size: 192 MB\nMax Memory Used: 192 MB\n"
        "Status: timeout\n",
        {
            "request_id": "514789fd-5e24-49c5-a41c-24c049a36e2a",
            "duration_ms": 180000.0,
            "billed_duration_ms": 180000,
            "memory_size_mb": 192,
            "max_memory_used_mb": 192,
            "status": "timeout",
        },
        absent=("init_duration_ms",),
        notes="the INIT_REPORT line is not the invocation's report; its Init Duration must not leak into it",
    ),
    Fixture(
        "oom-status-error-type",
        "text: Status: error + Error Type",
        "hand-written in Lambda's REPORT format (fields as AWS documents them); no published OOM line with a "
        "named source was found",
        "REPORT RequestId: 55555555-2222-3333-4444-555555555555\tDuration: 812.45 ms\tBilled Duration: 813 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 128 MB\tStatus: error\tError Type: Runtime.OutOfMemory\n",
        {"status": "error", "error_type": "Runtime.OutOfMemory", "max_memory_used_mb": 128},
    ),
    # ------------------------------------------------------------ JSON platform.report
    Fixture(
        "pt-json-logresult",
        "json: LogResult (one object per line)",
        PT_UTILS + " jsonLog",
        '{"timestamp":"2024-02-09T08:42:44.078Z","level":"INFO","requestId":"d661f7cf-9208-46b9-85b0-213b04a91065",'
        '"message":"Just some logs here =)"}\n'
        '{"time":"2024-02-09T08:42:44.078Z","type":"platform.start","record":{"requestId":'
        '"d661f7cf-9208-46b9-85b0-213b04a91065","version":"8"}}\n'
        '{"time":"2024-02-09T08:42:44.080Z","type":"platform.report","record":{"requestId":'
        '"d661f7cf-9208-46b9-85b0-213b04a91065","status":"success","metrics":{"durationMs":1.317,'
        '"billedDurationMs":2,"memorySizeMB":1024,"maxMemoryUsedMB":68,"initDurationMs": 10}}}',
        {"duration_ms": 1.317, "billed_duration_ms": 2, "init_duration_ms": 10, "status": "success", "form": "json"},
    ),
    Fixture(
        "pt-json-snapstart",
        "json: LogResult, SnapStart",
        PT_UTILS + " jsonLogSnapStart",
        '{"time":"2024-02-09T08:42:44.080Z","type":"platform.report","record":{"requestId":'
        '"d661f7cf-9208-46b9-85b0-213b04a91065","status":"success","metrics":{"durationMs": 147.156,'
        '"billedDurationMs": 201, "memorySizeMB": 512,"maxMemoryUsedMB": 91,"restoreDurationMs": 500.795,'
        '"billedRestoreDurationMs": 53 }}}',
        {"restore_duration_ms": 500.795, "billed_restore_duration_ms": 53, "billed_duration_ms": 201},
        absent=("init_duration_ms",),
    ),
    Fixture(
        "pt-json-mixed-invalid",
        "json: LogResult mixed with plain text and broken JSON",
        PT_UTILS + " jsonMixedLogWithInvalidJSON",
        '{"timestamp":"2024-02-09T08:42:44.078Z","level":"INFO","requestId":"d661f7cf-9208-46b9-85b0-213b04a91065",'
        '"message":"Just some logs here =)"\n'
        "[AWS Parameters and Secrets Lambda Extension] 2024/04/11 02:14:17 PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL is "
        'info. Log level set to info.{"time":"2024-02-09T08:42:44.078Z","type":"platform.start","record":'
        '{"requestId":"d661f7cf-9208-46b9-85b0-213b04a91065","version":"8"}}\n'
        '{"time":"2024-02-09T08:42:44.080Z","type":"platform.report","record":{"requestId":'
        '"d661f7cf-9208-46b9-85b0-213b04a91065","status":"success","metrics":{"durationMs":1.317,'
        '"billedDurationMs":8,"memorySizeMB":1024,"maxMemoryUsedMB":68,"initDurationMs": 30}}}',
        {"billed_duration_ms": 8, "init_duration_ms": 30},
    ),
    Fixture(
        "pt-powertools-pretty",
        "json: pretty-printed, duration without billing fields",
        PT_UTILS + " extractDurationFromJSON (Powertools pretty-printed)",
        """
            {
            "cold_start": true,
            "function_arn": "arn:aws:lambda:eu-west-1:123456789012:function:TestFunction",
            "function_memory_size": "128",
            "function_name": "TestFunction",
            "function_request_id": "test-id",
            "level": "INFO",
            "message": "Lambda invocation event",
            "timestamp": "2024-12-12T17:00:03.173Z",
            "type": "platform.report",
            "record": {
                "metrics": {
                "durationMs": 100.0,
                "initDurationMs": 200.0
                }
            }
            }""",
        {"duration_ms": 100.0, "init_duration_ms": 200.0},
        absent=("billed_duration_ms", "memory_size_mb", "max_memory_used_mb", "request_id"),
    ),
    Fixture(
        "dd-ext-tracing",
        "json: tracing block (Telemetry API / JSON log format)",
        DD_EXT + " platform_report_on_demand",
        '{"time":"2022-10-21T14:05:05.766Z","type":"platform.report","record":{"requestId":'
        '"459921b5-681c-4a96-beb0-81e0aa586026","metrics":{"durationMs":2599.4,"billedDurationMs":2600,'
        '"memorySizeMB":128,"maxMemoryUsedMB":94,"initDurationMs":549.04},"tracing":{"spanId":"24cd7d670fa455f0",'
        '"type":"X-Amzn-Trace-Id","value":"Root=1-6352a70e-1e2c502e358361800241fd45;Parent=35465b3a9e2f7c6a;'
        'Sampled=1"},"status":"success"}}',
        {"trace_id": "1-6352a70e-1e2c502e358361800241fd45", "init_duration_ms": 549.04, "memory_size_mb": 128},
    ),
    Fixture(
        "dd-ext-managed-instances",
        "json: duration only (Lambda Managed Instances)",
        DD_EXT + " platform_report_managed_instance",
        '{"time":"2025-09-19T19:36:50.881Z","type":"platform.report","record":{"requestId":'
        '"13d1305b-a2f5-440c-bfbe-686ccff3d3e0","status":"success","metrics":{"durationMs":1.148},"spans":'
        '[{"name":"responseLatency","start":"2025-09-19T19:36:50.880Z","durationMs":0.847},{"name":'
        '"responseDuration","start":"2025-09-19T19:36:50.880Z","durationMs":0.127}]}}',
        {"duration_ms": 1.148, "status": "success"},
        absent=("billed_duration_ms", "memory_size_mb", "max_memory_used_mb", "init_duration_ms"),
    ),
    Fixture(
        "aws-docs-logs-api-pretty",
        "json: pretty-printed (AWS docs)",
        AWS_DOCS + " doc_source/runtimes-logs-api.md",
        """{
    "time": "2020-08-20T12:31:32.123Z",
    "type": "platform.report",
    "record": {"requestId": "6f7f0961f83442118a7af6fe80b88d56",
        "metrics": {"durationMs": 101.51,
            "billedDurationMs": 300,
            "memorySizeMB": 512,
            "maxMemoryUsedMB": 33,
            "initDurationMs": 116.67
        }
    }
}
""",
        {"duration_ms": 101.51, "billed_duration_ms": 300, "init_duration_ms": 116.67},
        absent=("status",),
    ),
    Fixture(
        "json-cloudwatch-tail-prefixed-error",
        "json: CloudWatch line after an `aws logs tail` prefix, Status error",
        "hand-written: `aws logs tail` prefix + a platform.report record with status/errorType as the Telemetry "
        "API schema defines them (docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html)",
        "2025-11-02T10:00:01.500000+00:00 2025/11/02/[$LATEST]0123456789abcdef0123456789abcdef "
        '{"time":"2025-11-02T10:00:01.500Z","type":"platform.report","record":{"requestId":'
        '"7b1c1c1e-0000-4000-8000-000000000001","metrics":{"durationMs":3000.0,"billedDurationMs":3000,'
        '"memorySizeMB":128,"maxMemoryUsedMB":128},"status":"error","errorType":"Runtime.OutOfMemory"}}\n',
        {"status": "error", "error_type": "Runtime.OutOfMemory", "billed_duration_ms": 3000},
    ),
)

# Lines that are not a report: the parser must say so, not fail on a number.
NOT_REPORTS: tuple[tuple[str, str], ...] = (
    (
        "awslabs/route53-dynamic-dns-with-lambda#56 (a REPORT line with its head cut off)",
        "22f4200d-856a-41b5-9276-29d48412c78f\tDuration: 3757.18 ms\tBilled Duration: 3758 ms\tMemory Size: 128 MB"
        "\tMax Memory Used: 81 MB",
    ),
    (
        "DataDog/datadog-lambda-extension#1237 (an INIT_REPORT line alone)",
        "INIT_REPORT Init Duration: 180000.45 ms Phase: invoke Status: timeout",
    ),
    (PT_UTILS + " invalidJSONLog", '{"timestamp":"2024-02-09T08:42:44.078Z","level":"INFO","message":"x"}'),
    ("hand-written: empty tail", ""),
)
