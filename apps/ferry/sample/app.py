"""The sample function that `ferry up` deploys: a greeting, and which build and version served it.

Change the greeting, zip this file and deploy the zip (the commands `ferry up` prints) to see a
new version published and the `dev` alias moved to it.
"""
import os


def handler(event, context):
    name = event.get("name", "world") if isinstance(event, dict) else "world"
    return {
        "message": f"Hello, {name}!",
        "build": os.environ.get("BUILD", ""),
        "environment": os.environ.get("APP_ENV", ""),
        "version": context.function_version,
    }
