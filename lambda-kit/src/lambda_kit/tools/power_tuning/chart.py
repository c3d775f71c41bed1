"""The sweep as a chart: duration and cost against memory on a true MB scale, both axes from zero, failed
sizes labelled with their reason, the recommendation marked. matplotlib is imported here only, so
``--help`` and ``--no-chart`` stay fast."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any


def safe_name(function_name: str) -> str:
    name = function_name.split(":function:")[-1].split(":")[0]
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def write_chart(report: dict[str, Any], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = report["results"]
    ok = [r for r in results if not r["failed"]]
    failed = [r for r in results if r["failed"]]
    rec, settings, f = report["recommendation"], report["settings"], report["function"]
    sizes = [r["memory_mb"] for r in results]

    fig, (ax_time, ax_cost) = plt.subplots(2, 1, sharex=True, figsize=(9, 6.5), dpi=110)
    metric = "billed duration" if settings["duration_metric"] == "billed" else "Duration + Init + Restore"
    series = (
        (ax_time, "duration_ms", f"{metric}, ms (trimmed mean)", "tab:blue", "o-"),
        (ax_cost, "cost_per_million", "USD per 1M invocations", "tab:red", "s-"),
    )
    for ax, key, label, color, style in series:
        ax.plot([r["memory_mb"] for r in ok], [r[key] for r in ok], style, color=color)
        for r in ok:
            ax.annotate(
                f"{r[key]:,.1f}" if key == "duration_ms" else f"${r[key]:,.2f}",
                (r["memory_mb"], r[key]),
                textcoords="offset points",
                xytext=(0, 6),
                ha="center",
                fontsize=7,
                color=color,
            )
        ax.set_ylabel(label, color=color)
        ax.set_ylim(bottom=0, top=max([r[key] for r in ok] + [1e-9]) * 1.25)  # from zero: sizes compare honestly
        ax.grid(axis="y", alpha=0.3)
        ax.axvspan(
            rec["memory_mb"] - 0.02 * max(sizes), rec["memory_mb"] + 0.02 * max(sizes), color="tab:green", alpha=0.18
        )
        for r in failed:
            ax.axvline(r["memory_mb"], color="grey", linestyle=":")
    reasons = {r["memory_mb"]: ", ".join(sorted(set(r["errors"]))) or "no data" for r in failed}
    for memory, reason in reasons.items():
        ax_time.text(
            memory,
            ax_time.get_ylim()[1] * 0.05,
            f" {memory} MB failed: {reason}",
            rotation=90,
            va="bottom",
            ha="right",
            fontsize=8,
            color="dimgrey",
        )
    ax_time.text(
        rec["memory_mb"],
        ax_time.get_ylim()[1] * 0.97,
        f"recommended: {rec['memory_mb']} MB\n({rec['strategy']})",
        va="top",
        ha="center",
        fontsize=8,
        color="darkgreen",
    )
    ax_cost.set_xlim(0, max(sizes) * 1.06)  # memory on its true scale, from 0 MB
    ax_cost.set_xticks(sizes, [str(s) for s in sizes], rotation=45 if len(sizes) > 8 else 0, fontsize=8)
    ax_cost.set_xlabel("memory (MB), to scale")
    name = safe_name(f["name"])
    name = name if len(name) <= 60 else name[:57] + "..."
    ax_time.set_title(
        f"{name} ({f['runtime']}, {f['architecture']})\n"
        f"{settings['invocations']} invocations per size"
        + (
            ", each on a new environment"
            if settings["only_cold_starts"]
            else f", trimmed mean ({settings['trim']:.0%})"
        )
        + f"; cost model {settings['cost_model']}",
        fontsize=10,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
