"""Shared runtime code for the service's Lambda functions (the `common` layer).

Lambda puts a layer's ``python/`` directory on ``sys.path`` as ``/opt/python``, so this package is
imported as ``common``. Each module holds one concern; only ``common.tracing`` and its backends
(``tracing_xray``, ``tracing_otel``) know about a tracer.
"""
