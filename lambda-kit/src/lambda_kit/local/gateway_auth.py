"""A route's authorization, as the template sets it (``AuthorizationType`` and the ``AWS::ApiGatewayV2::Authorizer``
it names), checked the way API Gateway checks it before any function runs.

- ``AWS_IAM``: the request must carry a SigV4 signature for ``execute-api`` in the API's region, made with the
  local fake credentials (``lambda_kit.local.emulator.fake_credentials_env``); the signature is recomputed with
  botocore's own signer (``botocore.auth.SigV4Auth``) from the request as it arrived. IAM policies are not
  evaluated: those credentials stand for a caller allowed ``execute-api:Invoke``.
- ``JWT``: the token in the authorizer's identity source is checked against a JWKS the kit generates at start
  (``LocalJwks``: an RSA key whose public half it writes as ``jwks.json``, the private half beside it to sign test
  tokens), and its ``iss``, ``aud``/``client_id``, ``exp``, ``nbf``, ``iat`` and the route's scopes against the
  authorizer's ``JwtConfiguration`` (http-api-jwt-authorizer.html, "Authorizing API requests").

Refusals are API Gateway's: 401 ``{"message":"Unauthorized"}`` with a ``www-authenticate`` header for JWT
(http-api-troubleshooting-jwt.html), 403 for IAM (lambda-kit/docs/http-api.md says which bodies are recorded).
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

from lambda_kit.local.emulator import ACCOUNT_ID, fake_credentials_env
from lambda_kit.local.http_gateway import FORBIDDEN, HttpResponse, gateway_error

SIGNATURE_MISMATCH = gateway_error(
    403,
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
    "Key and signing method. Consult the service documentation for details.",
)
INVALID_TOKEN = gateway_error(403, "The security token included in the request is invalid.")
SIGNATURE_EXPIRED = gateway_error(403, "Signature expired: the request's X-Amz-Date is more than 5 minutes from now.")
MAX_SKEW_SECONDS = 300
JWT_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"]
LOCAL_KEY_ID = "lambda-kit-local"


class Denied(Exception):
    def __init__(self, response: HttpResponse) -> None:
        super().__init__(response.body.decode())
        self.response = response


def unauthorized(description: str | None) -> Denied:
    """API Gateway's 401 for a JWT route, with the reason in ``www-authenticate`` as it sends it."""
    headers = [("content-type", "application/json")]
    if description:
        headers.append(("www-authenticate", f'Bearer scope="" error="invalid_token" error_description="{description}"'))
    return Denied(gateway_error(401, "Unauthorized", *headers))


def check_iam(
    method: str, raw_target: str, headers: Sequence[tuple[str, str]], body: bytes, region: str
) -> dict[str, Any]:
    """The ``requestContext.authorizer`` of a request SigV4-signed with the local credentials; raises ``Denied``."""
    lowered = {name.lower(): value for name, value in headers}
    authorization = lowered.get("authorization", "")
    if not authorization.startswith("AWS4-HMAC-SHA256 "):
        raise Denied(FORBIDDEN)
    fields = dict(part.strip().split("=", 1) for part in authorization[17:].split(",") if "=" in part)
    scope = fields.get("Credential", "").split("/")
    amz_date = lowered.get("x-amz-date", "")
    local = fake_credentials_env(region)
    if len(scope) != 5 or scope[0] != local["AWS_ACCESS_KEY_ID"]:
        raise Denied(INVALID_TOKEN)
    if lowered.get("x-amz-security-token", local["AWS_SESSION_TOKEN"]) != local["AWS_SESSION_TOKEN"]:
        raise Denied(INVALID_TOKEN)
    if scope[2:4] != [region, "execute-api"] or scope[1] != amz_date[:8]:
        raise Denied(SIGNATURE_MISMATCH)
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        raise Denied(SIGNATURE_MISMATCH) from None
    if abs(time.time() - signed_at) > MAX_SKEW_SECONDS:
        raise Denied(SIGNATURE_EXPIRED)
    signed = fields.get("SignedHeaders", "").split(";")
    request = AWSRequest(
        method=method,
        url=f"http://{lowered.get('host', 'localhost')}{raw_target}",
        headers={name: lowered.get(name, "") for name in signed},
        data=body,
    )
    request.context["timestamp"] = amz_date
    credentials = Credentials(local["AWS_ACCESS_KEY_ID"], local["AWS_SECRET_ACCESS_KEY"], local["AWS_SESSION_TOKEN"])
    signer = SigV4Auth(credentials, "execute-api", region)
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    if not hmac.compare_digest(expected, fields.get("Signature", "")):
        raise Denied(SIGNATURE_MISMATCH)
    key = local["AWS_ACCESS_KEY_ID"]
    return {
        "iam": {
            "accessKey": key,
            "accountId": ACCOUNT_ID,
            "callerId": key,
            "cognitoIdentity": None,
            "principalOrgId": None,
            "userArn": f"arn:aws:iam::{ACCOUNT_ID}:user/local",
            "userId": key,
        }
    }


class LocalJwks:
    """The key pair tokens for JWT routes are checked against, generated once per ``serve``."""

    def __init__(self, directory: Path) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": LOCAL_KEY_ID, "use": "sig", "alg": "RS256"})
        self.keys = KeySet([self.key])
        self.jwks_path = directory / "jwks.json"
        self.signing_key_path = directory / "jwt-signing-key.json"  # a private JWK: sign test tokens with it
        self.jwks_path.write_text(json.dumps({"keys": [self.key.as_dict(private=False)]}))
        self.signing_key_path.write_text(json.dumps(self.key.as_dict(private=True)))

    def check(
        self, authorizer: Mapping[str, Any], headers: Sequence[tuple[str, str]], scopes: Sequence[str]
    ) -> dict[str, Any]:
        """The ``requestContext.authorizer`` of a request whose token passes; raises ``Denied``."""
        sources = authorizer.get("IdentitySource") or ["$request.header.Authorization"]
        header = str(sources[0]).removeprefix("$request.header.").lower()
        token = next((value for name, value in headers if name.lower() == header), "").strip()
        token = token[7:].strip() if token.lower().startswith("bearer ") else token
        if not token:
            raise unauthorized(None)
        try:
            decoded = jwt.decode(token, self.keys, algorithms=JWT_ALGORITHMS)
        except (JoseError, ValueError) as error:
            raise unauthorized(f"the token could not be verified: {error}") from None
        claims = decoded.claims
        configuration = authorizer.get("JwtConfiguration", {})
        now = time.time()
        if claims.get("iss") != configuration.get("Issuer"):
            raise unauthorized("the token does not have a valid issuer")
        audiences = claims.get("aud", claims.get("client_id"))
        audiences = [audiences] if isinstance(audiences, str) else audiences or []
        if not set(audiences) & set(configuration.get("Audience", [])):
            raise unauthorized("the token does not have a valid audience")
        if "exp" not in claims or float(claims["exp"]) <= now:
            raise unauthorized("the token has expired")
        if float(claims.get("nbf", 0)) > now or float(claims.get("iat", 0)) > now:
            raise unauthorized("the token is not valid yet")
        granted = str(claims.get("scope", claims.get("scp", ""))).split()
        if scopes and not set(granted) & set(scopes):
            raise Denied(FORBIDDEN)  # a valid token without the route's scope
        return {"jwt": {"claims": dict(claims), "scopes": granted or None}}
