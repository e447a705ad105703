// ferry sandbox: Node.js runtime bootstrap. Embedded in the ferry binary and run as
//   node bootstrap.js
// in the function's code directory. Invocations arrive on fd 3 and replies leave on fd 4, each a
// frame "<decimal length>\n<JSON>". console output is captured per invocation and returned with
// the reply, formatted like Lambda's ("<time>\t<request id>\tINFO\t<message>").
'use strict';
const fs = require('fs');
const path = require('path');
const util = require('util');
const { pathToFileURL } = require('url');

let captured = [];
let currentRequestId = '';
const capture = (chunk) => {
  captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
  return true;
};
process.stdout.write = capture;
process.stderr.write = capture;
for (const [method, level] of [['log', 'INFO'], ['info', 'INFO'], ['warn', 'WARN'],
                               ['error', 'ERROR'], ['debug', 'DEBUG'], ['trace', 'TRACE']]) {
  console[method] = (...args) => {
    capture(`${new Date().toISOString()}\t${currentRequestId}\t${level}\t` +
            `${util.format(...args)}\n`);
  };
}

let handler = null;

class RuntimeError extends Error {
  constructor(type, message) {
    super(message);
    this.name = type;
  }
}

async function loadHandler() {
  const spec = process.env._HANDLER || '';
  const dot = spec.lastIndexOf('.');
  if (dot <= 0 || dot === spec.length - 1) {
    throw new RuntimeError('Runtime.MalformedHandlerName', `Bad handler ${spec}`);
  }
  const modulePath = spec.slice(0, dot);
  const name = spec.slice(dot + 1);
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const base = path.resolve(root, modulePath);
  let mod;
  const candidates = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).filter((f) => fs.existsSync(f));
  if (candidates.length === 0) {
    throw new RuntimeError('Runtime.ImportModuleError',
                           `Error: Cannot find module '${modulePath}'`);
  }
  try {
    if (candidates[0].endsWith('.mjs')) {
      mod = await import(pathToFileURL(candidates[0]).href);
    } else {
      mod = require(candidates[0]);
    }
  } catch (e) {
    if (e instanceof SyntaxError) throw new RuntimeError('Runtime.UserCodeSyntaxError', String(e));
    throw new RuntimeError('Runtime.ImportModuleError', String(e));
  }
  const fn = mod[name] !== undefined ? mod[name] : (mod.default ? mod.default[name] : undefined);
  if (typeof fn !== 'function') {
    throw new RuntimeError('Runtime.HandlerNotFound', `${spec} is undefined or not exported`);
  }
  return fn;
}

function errorObject(e) {
  if (!(e instanceof Error)) {
    return { errorType: 'string', errorMessage: String(e), trace: [] };
  }
  return { errorType: e.name || 'Error', errorMessage: e.message,
           trace: e instanceof RuntimeError ? [] : String(e.stack || '').split('\n') };
}

function context(request) {
  const env = process.env;
  return {
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: request.function_arn,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: request.request_id,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: request.client_context ? JSON.parse(request.client_context) : undefined,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, request.deadline_ms - Date.now()),
  };
}

async function invoke(request) {
  currentRequestId = request.request_id || '';
  try {
    if (handler === null) handler = await loadHandler();
    const event = JSON.parse(request.payload);
    const ctx = context(request);
    let result;
    if (handler.length >= 3) {
      result = await new Promise((resolve, reject) => {
        const r = handler(event, ctx, (err, value) => (err ? reject(err) : resolve(value)));
        if (r && typeof r.then === 'function') r.then(resolve, reject);
      });
    } else {
      result = await handler(event, ctx);
    }
    const body = JSON.stringify(result === undefined ? null : result);
    return { ok: true, result: body };
  } catch (e) {
    const error = errorObject(e);
    capture(`${new Date().toISOString()}\t${currentRequestId}\tERROR\tInvoke Error \t` +
            `${JSON.stringify(error)}\n`);
    return { ok: false, error };
  }
}

function writeFrame(obj) {
  const data = Buffer.from(JSON.stringify(obj), 'utf8');
  const frame = Buffer.concat([Buffer.from(`${data.length}\n`), data]);
  let offset = 0;
  while (offset < frame.length) offset += fs.writeSync(4, frame, offset);
}

let pending = Buffer.alloc(0);
let busy = false;
const queue = [];

async function drain() {
  if (busy) return;
  busy = true;
  while (queue.length > 0) {
    const request = queue.shift();
    const reply = await invoke(request);
    reply.logs = captured.join('');
    captured = [];
    writeFrame(reply);
  }
  busy = false;
}

const input = fs.createReadStream(null, { fd: 3, highWaterMark: 1 << 20 });
input.on('data', (chunk) => {
  pending = Buffer.concat([pending, chunk]);
  for (;;) {
    const nl = pending.indexOf(10);
    if (nl < 0) break;
    const size = parseInt(pending.subarray(0, nl).toString(), 10);
    if (pending.length < nl + 1 + size) break;
    queue.push(JSON.parse(pending.subarray(nl + 1, nl + 1 + size).toString('utf8')));
    pending = pending.subarray(nl + 1 + size);
  }
  drain();
});
input.on('end', () => process.exit(0));
process.on('unhandledRejection', (e) => {
  capture(`${new Date().toISOString()}\t${currentRequestId}\tERROR\tUnhandled Promise Rejection\t${String(e)}\n`);
  process.exit(128);
});
