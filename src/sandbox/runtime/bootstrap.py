# ferry sandbox: Python runtime bootstrap. Embedded in the ferry binary and run as
#   python3 bootstrap.py
# in the function's code directory. Invocations arrive on fd 3 and replies leave on fd 4, each a
# frame "<decimal length>\n<JSON>". Everything the handler prints is captured per invocation and
# returned with the reply (the sandbox builds the START/END/REPORT lines around it).
import importlib
import io
import json
import logging
import os
import sys
import time
import traceback

REQUESTS = os.fdopen(3, "rb")
REPLIES = os.fdopen(4, "wb", buffering=0)


class Capture(io.TextIOBase):
    def __init__(self):
        self.parts = []

    def write(self, text):
        self.parts.append(text)
        return len(text)

    def flush(self):
        pass

    def take(self):
        text = "".join(self.parts)
        self.parts = []
        return text


CAPTURE = Capture()
sys.stdout = CAPTURE
sys.stderr = CAPTURE
CURRENT_REQUEST_ID = [""]


class AwsLogFormatter(logging.Formatter):
    def format(self, record):
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        return "[%s]\t%s.%03dZ\t%s\t%s\n" % (record.levelname, stamp, record.msecs,
                                              CURRENT_REQUEST_ID[0], record.getMessage())


_handler = logging.StreamHandler(CAPTURE)
_handler.terminator = ""
_handler.setFormatter(AwsLogFormatter())
logging.getLogger().addHandler(_handler)
logging.getLogger().setLevel(logging.INFO)


class LambdaContext:
    def __init__(self, request):
        env = os.environ
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = request.get("function_arn")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.aws_request_id = request.get("request_id")
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        self.client_context = None
        if request.get("client_context"):
            try:
                self.client_context = json.loads(request["client_context"])
            except ValueError:
                self.client_context = None
        self._deadline_ms = request.get("deadline_ms", 0)

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))


HANDLER = [None]


def load_handler():
    spec = os.environ.get("_HANDLER", "")
    module_path, _, function_name = spec.rpartition(".")
    if not module_path or not function_name:
        raise LambdaError("Runtime.MalformedHandlerName",
                          "Bad handler '%s': not enough values to unpack (expected 2, got 1)" % spec)
    module_name = module_path.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise LambdaError("Runtime.ImportModuleError",
                          "Unable to import module '%s': %s" % (module_path, e))
    except SyntaxError as e:
        raise LambdaError("Runtime.UserCodeSyntaxError",
                          "Syntax error in module '%s': %s" % (module_path, e))
    handler = getattr(module, function_name, None)
    if handler is None:
        raise LambdaError("Runtime.HandlerNotFound",
                          "Handler '%s' missing on module '%s'" % (function_name, module_path))
    return handler


class LambdaError(Exception):
    def __init__(self, error_type, message):
        super().__init__(message)
        self.error_type = error_type
        self.message = message


def error_object(exc):
    if isinstance(exc, LambdaError):
        return {"errorMessage": exc.message, "errorType": exc.error_type,
                "requestId": CURRENT_REQUEST_ID[0], "stackTrace": []}
    trace = traceback.format_tb(exc.__traceback__)
    return {"errorMessage": str(exc), "errorType": type(exc).__name__,
            "requestId": CURRENT_REQUEST_ID[0], "stackTrace": trace}


def read_frame():
    header = REQUESTS.readline()
    if not header:
        return None
    size = int(header)
    data = REQUESTS.read(size)
    return json.loads(data)


def write_frame(obj):
    data = json.dumps(obj).encode("utf-8")
    REPLIES.write(b"%d\n" % len(data) + data)


def invoke(request):
    CURRENT_REQUEST_ID[0] = request.get("request_id", "")
    try:
        if HANDLER[0] is None:
            HANDLER[0] = load_handler()
        event = json.loads(request["payload"])
        result = HANDLER[0](event, LambdaContext(request))
        try:
            body = json.dumps(result)
        except (TypeError, ValueError) as e:
            raise LambdaError("Runtime.MarshalError", "Unable to marshal response: %s" % e)
        return {"ok": True, "result": body}
    except Exception as e:  # noqa: BLE001 - every handler error is reported, as Lambda does
        error = error_object(e)
        print("[ERROR] %s: %s" % (error["errorType"], error["errorMessage"]))
        if error.get("stackTrace"):
            print("Traceback (most recent call last):\n" + "".join(error["stackTrace"]))
        return {"ok": False, "error": error}


def main():
    sys.path.insert(0, os.environ.get("LAMBDA_TASK_ROOT", os.getcwd()))
    while True:
        request = read_frame()
        if request is None:
            return
        reply = invoke(request)
        reply["logs"] = CAPTURE.take()
        write_frame(reply)


main()
