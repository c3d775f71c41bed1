"""Fail in a second, in one line, when no AWS credentials are configured.

``make deploy``/``diff``/``destroy``/``bootstrap`` run this first: without it the CDK CLI synthesizes
the whole app (bundling the dependencies layer with pip) before it finds out, then prints its own
multi-line error. Credentials are only resolved here (environment, profile, SSO cache, container or
instance metadata), never sent: whether AWS accepts them is the CDK CLI's business.

    lambda-kit credentials        # exit 0 and no output when credentials resolve
"""

from __future__ import annotations

import sys

NO_CREDENTIALS = (
    "no AWS credentials: sign in (aws sso login / aws configure sso), set AWS_PROFILE, "
    "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
)


def missing(profile: str | None = None) -> str | None:
    """Why no credentials resolve (one line), or None when they do. Nothing is sent to AWS."""
    import botocore.session
    from botocore.exceptions import BotoCoreError

    try:
        credentials = botocore.session.Session(profile=profile).get_credentials()
    except BotoCoreError as exc:  # e.g. AWS_PROFILE names a profile that does not exist
        return f"AWS credentials: {exc}"
    return NO_CREDENTIALS if credentials is None else None


def main(argv: list[str] | None = None) -> int:
    problem = missing()
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
