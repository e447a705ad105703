// Shared by the Lambda/STS conformance suites: handler zips built with the `zip` tool.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './s3_support.mjs';

// Returns the bytes of a zip holding `files` ({name: content}).
export function makeZip(files) {
  const dir = tempDir('ferry-lambda-zip-');
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  const out = path.join(dir, 'package.zip');
  const r = spawnSync('zip', ['-q', '-r', out, ...Object.keys(files)], { cwd: dir });
  if (r.status !== 0) throw new Error(`zip failed: ${r.stderr}`);
  const bytes = fs.readFileSync(out);
  fs.rmSync(dir, { recursive: true, force: true });
  return bytes;
}

export const PYTHON_HANDLER = `
import os, time
def handler(event, context):
    print("invoked", context.function_name, context.function_version)
    if event.get("fail"):
        raise ValueError("boom: " + str(event["fail"]))
    if event.get("sleep"):
        time.sleep(event["sleep"])
    return {"event": event, "version": context.function_version,
            "greeting": os.environ.get("GREETING"), "marker": MARKER,
            "request_id": context.aws_request_id,
            "remaining_ok": 0 < context.get_remaining_time_in_millis() <= 30000}
`;

export function pythonZip(marker) {
  return makeZip({ 'app.py': `MARKER = ${JSON.stringify(marker)}\n${PYTHON_HANDLER}` });
}

export const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
