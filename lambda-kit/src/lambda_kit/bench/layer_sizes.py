"""Size of each tracing backend's dependencies layer, built as `cdk synth` builds it (pip for the target).

    python -m bench.layer_sizes

Unzipped (what counts against Lambda's 250 MB limit and is read at import) and zipped (the upload) per
backend and architecture, and the biggest top-level entries of each: what costs what.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.synth_time import _dir_size, _zipped_size
from stacks.constructs.dependencies_layer import PIP_PLATFORMS, build_layer
from stacks.tracing_backends import TRACING_BACKENDS, pinned_distributions


def main() -> None:
    print("dependencies layer per tracing backend, python3.14 (unzipped / zipped):")
    with tempfile.TemporaryDirectory() as tmp:
        for backend in TRACING_BACKENDS:
            if not pinned_distributions(backend):
                print(f"  {backend:<9} (no layer)")
                continue
            for architecture in PIP_PLATFORMS:
                out = Path(tmp) / f"{backend}-{architecture}"
                build_layer(out, architecture, "3.14", backend)
                site = out / "python"
                entries = sorted(
                    ((_dir_size(p) if p.is_dir() else p.stat().st_size, p.name) for p in site.iterdir()),
                    reverse=True,
                )
                biggest = ", ".join(f"{name} {size / 1024:.0f}" for size, name in entries[:5])
                print(
                    f"  {backend:<9} {architecture:<7} {_dir_size(site) / 1024:8.1f} KiB {_zipped_size(out) / 1024:8.1f} KiB"
                    f"   {len(pinned_distributions(backend))} packages; biggest (KiB): {biggest}"
                )
    print("reproduce: .venv/bin/python -m bench.layer_sizes")


if __name__ == "__main__":
    main()
