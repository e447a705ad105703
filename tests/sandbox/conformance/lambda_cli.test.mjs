// Conformance: the AWS CLI v2 (Debian's awscli) against `ferry sandbox` — the commands a user
// runs by hand (docs/sandbox.md), including the CLI's own waiters.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { aws, startSandbox, tempDir } from './s3_support.mjs';
import { pythonZip, ROLE } from './lambda_support.mjs';

describe('lambda with the AWS CLI v2', () => {
  let sandbox;
  let dir;
  const cli = (...args) => aws(sandbox.endpoint, args);
  const ok = (r) => {
    assert.equal(r.status, 0, r.stderr);
    return r.json;
  };
  before(async () => {
    sandbox = await startSandbox(['--update-delay', '200ms']);
    dir = tempDir('ferry-lambda-cli-');
    fs.writeFileSync(path.join(dir, 'v1.zip'), pythonZip('v1'));
    fs.writeFileSync(path.join(dir, 'v2.zip'), pythonZip('v2'));
  });
  after(async () => {
    await sandbox?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('deploy, wait, update, publish, alias and invoke', () => {
    const created = ok(cli('lambda', 'create-function', '--function-name', 'cli-fn',
      '--runtime', 'python3.12', '--handler', 'app.handler', '--role', ROLE,
      '--zip-file', `fileb://${dir}/v1.zip`, '--environment', 'Variables={GREETING=hi}'));
    assert.equal(created.State, 'Pending');
    ok(cli('lambda', 'wait', 'function-active-v2', '--function-name', 'cli-fn'));
    assert.equal(ok(cli('lambda', 'publish-version', '--function-name', 'cli-fn')).Version, '1');

    const updated = ok(cli('lambda', 'update-function-code', '--function-name', 'cli-fn',
      '--zip-file', `fileb://${dir}/v2.zip`));
    assert.equal(updated.LastUpdateStatus, 'InProgress');
    ok(cli('lambda', 'wait', 'function-updated-v2', '--function-name', 'cli-fn'));
    const v2 = ok(cli('lambda', 'publish-version', '--function-name', 'cli-fn',
      '--code-sha256', updated.CodeSha256));
    assert.equal(v2.Version, '2');

    ok(cli('lambda', 'create-alias', '--function-name', 'cli-fn', '--name', 'live',
      '--function-version', '1', '--routing-config', '{"AdditionalVersionWeights":{"2":0.5}}'));
    const seen = new Set();
    for (let i = 0; i < 20; i++) {
      const out = path.join(dir, 'out.json');
      const r = ok(cli('lambda', 'invoke', '--function-name', 'cli-fn', '--qualifier', 'live',
        '--cli-binary-format', 'raw-in-base64-out', '--payload', '{"k":1}', '--log-type', 'Tail',
        out));
      seen.add(r.ExecutedVersion);
      const body = JSON.parse(fs.readFileSync(out, 'utf8'));
      assert.equal(body.greeting, 'hi');
      assert.match(Buffer.from(r.LogResult, 'base64').toString(), /invoked cli-fn/);
    }
    assert.deepEqual([...seen].sort(), ['1', '2']);

    const fn = ok(cli('lambda', 'get-function', '--function-name', 'cli-fn'));
    assert.equal(fn.Configuration.State, 'Active');
    ok(cli('lambda', 'tag-resource', '--resource', fn.Configuration.FunctionArn,
      '--tags', 'team=payments'));
    assert.deepEqual(ok(cli('lambda', 'list-tags', '--resource',
      fn.Configuration.FunctionArn)).Tags, { team: 'payments' });
    const versions = ok(cli('lambda', 'list-versions-by-function', '--function-name', 'cli-fn'));
    assert.deepEqual(versions.Versions.map((v) => v.Version), ['$LATEST', '1', '2']);
    ok(cli('lambda', 'delete-alias', '--function-name', 'cli-fn', '--name', 'live'));
    ok(cli('lambda', 'delete-function', '--function-name', 'cli-fn'));
  });

  test('errors come back with Lambda\'s codes', () => {
    const missing = cli('lambda', 'get-function', '--function-name', 'nope');
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /ResourceNotFoundException/);
    const badSecret = aws(sandbox.endpoint, ['lambda', 'list-functions'],
      { env: { AWS_SECRET_ACCESS_KEY: 'wrong' } });
    assert.match(badSecret.stderr, /InvalidSignatureException/);
    const unknownKey = aws(sandbox.endpoint, ['lambda', 'list-functions'],
      { env: { AWS_ACCESS_KEY_ID: 'AKIAUNKNOWN' } });
    assert.match(unknownKey.stderr, /UnrecognizedClientException/);
    const identity = ok(cli('sts', 'get-caller-identity'));
    assert.equal(identity.Account, '000000000000');
  });
});
