// Shared by the S3 and CloudWatch conformance suites: starts `ferry sandbox --port 0` and runs the
// real AWS CLI v2 against it. FERRY_BINARY names the ferry executable (ctest sets it).
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

export const AWS_CLI = '/usr/bin/aws';  // the Debian package: AWS CLI v2 (PATH may hold a v1)

export const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

export function awsEnv(extra = {}) {
  return {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    ...extra,
  };
}

// Starts the sandbox; resolves once it printed its listening line.
export async function startSandbox(extraArgs = []) {
  const binary = process.env.FERRY_BINARY;
  if (!binary) throw new Error('FERRY_BINARY must name the ferry executable');
  const child = spawn(binary, ['sandbox', '--port', '0', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: awsEnv(),
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const lines = readline.createInterface({ input: child.stdout });
  const deadline = setTimeout(() => child.kill('SIGKILL'), 30_000);
  try {
    for await (const line of lines) {
      const m = line.match(/^ferry sandbox listening on (http:\/\/\S+)$/);
      if (m) {
        clearTimeout(deadline);
        return {
          endpoint: m[1],
          port: Number(new URL(m[1]).port),
          child,
          stderr: () => stderr,
          async stop() {
            if (child.exitCode !== null) return;
            child.kill('SIGTERM');
            const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
            await once(child, 'exit');
            clearTimeout(timer);
          },
        };
      }
    }
  } finally {
    clearTimeout(deadline);
  }
  throw new Error(`ferry sandbox did not start: ${stderr}`);
}

// Runs the AWS CLI; returns { status, stdout, stderr, json }.
export function aws(endpoint, args, { input, env } = {}) {
  const r = spawnSync(AWS_CLI, ['--endpoint-url', endpoint, '--output', 'json', ...args], {
    env: awsEnv(env),
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  let json;
  try { json = r.stdout.trim() ? JSON.parse(r.stdout) : undefined; } catch { json = undefined; }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json };
}

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// Moves the sandbox's clock to the first seconds of a minute, so that a test which writes a
// datapoint and then reads an alarm on a 60-second period does not see the period end in between
// (the alarm would then, rightly, evaluate an empty period). The clock only moves forward, by at
// most 60 s — well inside the signature skew the sandbox accepts.
export async function startOfMinute(sandbox) {
  const clock = await (await fetch(`${sandbox.endpoint}/_ferry/clock`)).json();
  const ms = Date.parse(clock.now) % 60_000;
  const advance = Math.ceil((60_000 - ms) / 1000);
  const moved = await fetch(`${sandbox.endpoint}/_ferry/clock`, {
    method: 'POST', body: JSON.stringify({ advance_seconds: advance }),
  });
  if (moved.status !== 200) throw new Error(`cannot move the sandbox clock: ${moved.status}`);
}
