"""Running the orders function on this machine, no AWS account: ``python -m local.run`` (make local)
and the cold-start benchmark ``python -m local.bench`` (make bench)."""
