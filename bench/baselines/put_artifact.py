#!/usr/bin/python3
"""Uploads a new, unique handler zip to the sandbox's S3 and writes its key to --key-file.

Used as hyperfine's --prepare step of benchmark 1, so that every timed deployment changes code.
"""
import argparse
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "lib"))
import benchlib as b  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--endpoint", required=True)
    p.add_argument("--bucket", required=True)
    p.add_argument("--prefix", required=True)
    p.add_argument("--key-file", required=True)
    args = p.parse_args()
    tag = "%d-%s" % (time.time_ns(), uuid.uuid4().hex[:8])
    key = "%sbuild-%s.zip" % (args.prefix, tag)
    b.boto3_client("s3", args.endpoint).put_object(Bucket=args.bucket, Key=key,
                                                   Body=b.handler_zip(tag))
    with open(args.key_file, "w") as f:
        f.write(key + "\n")


if __name__ == "__main__":
    main()
