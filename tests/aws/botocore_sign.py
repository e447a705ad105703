# Signs the JSON cases on stdin with botocore (the AWS CLI's signer) at a fixed time and prints
# each canonical request and signature: an independent reference for sigv4_botocore_test.cc.
import json, sys
from botocore.auth import SigV4Auth, S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
out = []
for case in json.load(sys.stdin):
    creds = Credentials(case["key"], case["secret"], case.get("token") or None)
    cls = S3SigV4Auth if case["service"] == "s3" else SigV4Auth
    auth = cls(creds, case["service"], case["region"])
    req = AWSRequest(method=case["method"], url=case["url"], data=case["body"].encode(),
                     headers=dict(case["headers"]))
    req.context["timestamp"] = case["amz_date"]
    req.headers["X-Amz-Date"] = case["amz_date"]
    if creds.token:
        req.headers["X-Amz-Security-Token"] = creds.token
    if case["service"] == "s3":
        req.headers["X-Amz-Content-SHA256"] = auth.payload(req)
    canonical = auth.canonical_request(req)
    sts = auth.string_to_sign(req, canonical)
    out.append({"canonical": canonical, "signature": auth.signature(sts, req)})
print(json.dumps(out))
