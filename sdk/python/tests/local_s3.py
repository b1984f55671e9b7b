"""A test helper: PUT one object into the local S3 stand-in, signed with AWS Signature V4 (standard library only).

The credentials and endpoint come from the data directory's ``local.env`` (``PIER_LOCAL_ENV`` names it), which
``./pier up`` writes. The client itself never talks to S3; the tests need it only to place a training dataset.
"""

import datetime
import hashlib
import hmac
import os
import urllib.parse
import urllib.request


def local_env():
    path = os.environ.get("PIER_LOCAL_ENV", ".pier/local.env")
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                env[k.strip()] = v.strip().strip('"').strip("'")
    return env


def _sign(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def put_object(uri, body):
    """PUTs ``body`` (bytes) at ``s3://bucket/key``."""
    env = local_env()
    endpoint = env["AWS_ENDPOINT_URL_S3"].rstrip("/")
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
    bucket, key = uri[len("s3://"):].split("/", 1)
    path = "/" + bucket + "/" + urllib.parse.quote(key, safe="/-_.~")
    host = urllib.parse.urlparse(endpoint).netloc
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    payload = hashlib.sha256(body).hexdigest()
    headers = {"host": host, "x-amz-content-sha256": payload, "x-amz-date": amz_date}
    signed = ";".join(sorted(headers))
    canonical = "\n".join(["PUT", path, "", "".join(f"{k}:{headers[k]}\n" for k in sorted(headers)), signed, payload])
    scope = f"{day}/{region}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    k = _sign(_sign(_sign(_sign(("AWS4" + env["AWS_SECRET_ACCESS_KEY"]).encode(), day), region), "s3"), "aws4_request")
    signature = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    req = urllib.request.Request(endpoint + path, data=body, method="PUT")
    # urllib's default Content-Type (a form) would make the stand-in's servlet container read the body as form fields
    req.add_header("Content-Type", "application/octet-stream")
    req.add_header("x-amz-content-sha256", payload)
    req.add_header("x-amz-date", amz_date)
    req.add_header("Authorization", f"AWS4-HMAC-SHA256 Credential={env['AWS_ACCESS_KEY_ID']}/{scope}, "
                                    f"SignedHeaders={signed}, Signature={signature}")
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status
