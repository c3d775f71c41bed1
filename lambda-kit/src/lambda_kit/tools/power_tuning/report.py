"""The sweep's outcome as a report: recommendation, JSON and PNG files, and the text people read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lambda_kit.tools import output
from lambda_kit.tools.power_tuning.analysis import MemoryResult, recommend
from lambda_kit.tools.power_tuning.chart import safe_name, write_chart


def finish(
    outcome: dict[str, Any], *, strategy: str, weight: float, out_dir: Path | None, chart: bool, stamp: str
) -> dict[str, Any]:
    """Recommendation + JSON/PNG files; returns the report dict (what --json prints)."""
    results: list[MemoryResult] = outcome["results"]
    report = {**outcome, "results": [r.to_dict() for r in results]}
    report["recommendation"] = recommend(results, strategy, weight)
    if out_dir is not None:
        base = out_dir / f"{safe_name(report['function']['name'])}-{stamp}"
        if chart:
            report["chart_path"] = str(write_chart(report, base.with_suffix(".png")))
        report["json_path"] = str(base.with_suffix(".json"))
        base.parent.mkdir(parents=True, exist_ok=True)
        base.with_suffix(".json").write_text(output.dumps(report) + "\n", encoding="utf-8")
    return report


def render(report: dict[str, Any]) -> str:
    f, rec, s, p = report["function"], report["recommendation"], report["settings"], report["prices"]
    rows = []
    for r in report["results"]:
        rows.append(
            [
                f"{r['memory_mb']}{'*' if r['memory_mb'] == rec['memory_mb'] else ''}",
                r["n"],
                r["duration_ms"],
                r["p90_billed_ms"],
                r["max_memory_used_mb"],
                output.usd_small(r["cost_per_invocation"]),
                output.usd(r["cost_per_million"], 2) if r["cost_per_million"] is not None else "-",
                ", ".join(sorted(set(r["errors"]))) or "ok",
            ]
        )
    how = "each on a new environment" if s["only_cold_starts"] else f"trimmed mean drops {s['trim']:.0%} at each end"
    mode = f"parallel x{s['parallel']}" if s["parallel"] > 1 else "serial"
    metric = "billed ms" if s["duration_metric"] == "billed" else "measured ms"
    lines = [
        f"Power tuning: {f['name']} ({f['runtime']}, {f['architecture']}) on $LATEST, "
        f"{s['invocations']} invocations per size ({mode}), {how}",
        f"Price: {output.price(p['duration_per_gb_second'])}/GB-s + ${p['request_per_million']:.2f}/M requests "
        f"({p['region']} {p['architecture']}, {p['as_of']}); cost model {s['cost_model']}, "
        f"duration {s['duration_metric']}, on error {s['on_error']}",
        "",
        output.table(
            [
                "memory MB",
                "n",
                f"{metric} (mean)",
                "p90 billed ms",
                "max mem MB",
                "cost/invocation",
                "cost/1M",
                "status",
            ],
            rows,
            align="lrrrrrrl",
        ),
        "",
        f"Recommendation ({rec['strategy']}): {rec['memory_mb']} MB",
        f"Why: {rec['reason']}",
    ]
    if report["restored"] is not None:
        lines.append(f"Memory restored to {f['original_memory_mb']} MB: " + ("yes" if report["restored"] else "NO"))
    for key in ("json_path", "chart_path"):
        if report.get(key):
            lines.append(f"{key.split('_')[0].upper()}: {report[key]}")
    return "\n".join(lines)
