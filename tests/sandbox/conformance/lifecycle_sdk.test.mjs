// Conformance of the sandbox's lifecycle edges with the AWS SDK for JavaScript v3: Invoke while an
// update is in progress, a function that fails to become Active (injected outcome fault),
// temporary credentials that expire (the sandbox clock moved by the admin endpoint), and SigV4
// streaming uploads whose chunk signatures are checked one by one.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import {
  LambdaClient, CreateFunctionCommand, GetFunctionConfigurationCommand, InvokeCommand,
  ListFunctionsCommand, UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';

import { makeZip, pythonZip, ROLE } from './lambda_support.mjs';
import { credentials, startSandbox } from './s3_support.mjs';

const region = 'us-east-1';
const decode = (bytes) => JSON.parse(Buffer.from(bytes).toString('utf8'));

async function until(check, what, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function admin(sandbox, path, method = 'GET', body) {
  const response = await fetch(sandbox.endpoint + path, {
    method, body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

describe('invoke during an update', () => {
  let sandbox;
  let lambda;
  before(async () => {
    // Long enough that the InProgress window is observable, short enough for a test.
    sandbox = await startSandbox(['--update-delay', '3s']);
    lambda = new LambdaClient({ region, endpoint: sandbox.endpoint, credentials, maxAttempts: 1 });
  });
  after(async () => { await sandbox?.stop(); });

  test('$LATEST keeps serving the previous code and configuration until the update succeeds',
    async () => {
      await lambda.send(new CreateFunctionCommand({
        FunctionName: 'busy', Runtime: 'python3.12', Handler: 'app.handler', Role: ROLE,
        Code: { ZipFile: pythonZip('old') }, Environment: { Variables: { GREETING: 'g1' } },
      }));
      await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 1 },
        { FunctionName: 'busy' });
      const invoke = async () => decode((await lambda.send(new InvokeCommand({
        FunctionName: 'busy', Payload: Buffer.from('{}') }))).Payload);
      assert.equal((await invoke()).marker, 'old');

      const updated = await lambda.send(new UpdateFunctionCodeCommand({
        FunctionName: 'busy', ZipFile: pythonZip('new') }));
      assert.equal(updated.LastUpdateStatus, 'InProgress');
      const during = await invoke();
      const status = (await lambda.send(new GetFunctionConfigurationCommand({
        FunctionName: 'busy' }))).LastUpdateStatus;
      assert.equal(status, 'InProgress', 'the invoke above ran while the update was InProgress');
      assert.equal(during.marker, 'old');
      await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30, minDelay: 1 },
        { FunctionName: 'busy' });
      assert.equal((await invoke()).marker, 'new');

      // A configuration update: the old environment serves until it completes.
      await lambda.send(new UpdateFunctionConfigurationCommand({
        FunctionName: 'busy', Environment: { Variables: { GREETING: 'g2' } } }));
      const during2 = await invoke();
      assert.equal((await lambda.send(new GetFunctionConfigurationCommand({
        FunctionName: 'busy' }))).LastUpdateStatus, 'InProgress');
      assert.equal(during2.greeting, 'g1');
      assert.equal(during2.marker, 'new');
      await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30, minDelay: 1 },
        { FunctionName: 'busy' });
      assert.equal((await invoke()).greeting, 'g2');
    });
});

describe('functions that fail to become Active', () => {
  let sandbox;
  let lambda;
  before(async () => {
    sandbox = await startSandbox([
      '--update-delay', '100ms',
      '--fault', 'op=CreateFunction,outcome=state-failed,message=Subnet has no free IP addresses',
    ]);
    lambda = new LambdaClient({ region, endpoint: sandbox.endpoint, credentials, maxAttempts: 1 });
  });
  after(async () => { await sandbox?.stop(); });

  test('CreateFunction ends State Failed; the active waiter fails', async () => {
    const created = await lambda.send(new CreateFunctionCommand({
      FunctionName: 'doomed', Runtime: 'python3.12', Handler: 'app.handler', Role: ROLE,
      Code: { ZipFile: pythonZip('x') } }));
    assert.equal(created.State, 'Pending');
    await assert.rejects(
      waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 1 },
        { FunctionName: 'doomed' }),
      (e) => { assert.match(String(e.message ?? e), /FAILURE|Failed/); return true; });
    const config = await lambda.send(new GetFunctionConfigurationCommand({
      FunctionName: 'doomed' }));
    assert.equal(config.State, 'Failed');
    assert.equal(config.StateReason, 'Subnet has no free IP addresses');
    assert.equal(config.StateReasonCode, 'InternalError');
    assert.equal(config.LastUpdateStatus, 'Failed');
    await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: 'doomed' })),
      (e) => e.name === 'ResourceConflictException' && /Failed/.test(e.message));
  });

  test('an update made to fail through the admin endpoint keeps the old code serving',
    async () => {
      assert.equal((await admin(sandbox, '/_ferry/faults', 'DELETE')).status, 200);
      await lambda.send(new CreateFunctionCommand({
        FunctionName: 'steady', Runtime: 'python3.12', Handler: 'app.handler', Role: ROLE,
        Code: { ZipFile: pythonZip('v1') } }));
      await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 1 },
        { FunctionName: 'steady' });
      const added = await admin(sandbox, '/_ferry/faults', 'POST',
        { op: 'UpdateFunctionCode', outcome: 'state-failed' });
      assert.equal(added.status, 200);
      assert.equal(added.json.faults[0].outcome, 'state-failed');
      await lambda.send(new UpdateFunctionCodeCommand({
        FunctionName: 'steady', ZipFile: pythonZip('v2') }));
      await assert.rejects(
        waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30, minDelay: 1 },
          { FunctionName: 'steady' }), /FAILURE|Failed/);
      const config = await lambda.send(new GetFunctionConfigurationCommand({
        FunctionName: 'steady' }));
      assert.equal(config.State, 'Active');
      assert.equal(config.LastUpdateStatus, 'Failed');
      assert.equal(config.LastUpdateStatusReasonCode, 'InternalError');
      const out = await lambda.send(new InvokeCommand({ FunctionName: 'steady' }));
      assert.equal(decode(out.Payload).marker, 'v1');
      const rejected = await admin(sandbox, '/_ferry/faults', 'POST',
        { op: 'Invoke', outcome: 'state-failed' });
      assert.equal(rejected.status, 400);
    });
});

describe('expired temporary credentials over HTTP', () => {
  let sandbox;
  before(async () => { sandbox = await startSandbox(); });
  after(async () => { await sandbox?.stop(); });

  test('AssumeRole credentials work, then expire when the sandbox clock passes them', async () => {
    const sts = new STSClient({ region, endpoint: sandbox.endpoint, credentials, maxAttempts: 1 });
    const assumed = await sts.send(new AssumeRoleCommand({
      RoleArn: 'arn:aws:iam::000000000000:role/deployer', RoleSessionName: 'ci',
      DurationSeconds: 900 }));
    const temp = {
      accessKeyId: assumed.Credentials.AccessKeyId,
      secretAccessKey: assumed.Credentials.SecretAccessKey,
      sessionToken: assumed.Credentials.SessionToken,
    };
    const who = await new STSClient({ region, endpoint: sandbox.endpoint, credentials: temp,
      maxAttempts: 1 }).send(new GetCallerIdentityCommand({}));
    assert.match(who.Arn, /assumed-role\/deployer\/ci/);

    const before = await admin(sandbox, '/_ferry/clock');
    assert.equal(before.json.offset_seconds, 0);
    const moved = await admin(sandbox, '/_ferry/clock', 'POST', { advance_seconds: 3600 });
    assert.equal(moved.status, 200);
    assert.equal(moved.json.offset_seconds, 3600);
    assert.equal((await admin(sandbox, '/_ferry/clock', 'POST', { advance_seconds: -5 })).status,
      400);

    // Clients sign with the sandbox's time (as a client in sync with AWS would).
    const skewed = { region, endpoint: sandbox.endpoint, credentials: temp, maxAttempts: 1,
      systemClockOffset: 3600 * 1000 };
    await assert.rejects(new STSClient(skewed).send(new GetCallerIdentityCommand({})),
      (e) => { assert.equal(e.name, 'ExpiredToken'); assert.equal(e.$metadata.httpStatusCode, 400); return true; });
    await assert.rejects(new LambdaClient(skewed).send(new ListFunctionsCommand({})),
      (e) => { assert.equal(e.name, 'ExpiredTokenException'); assert.equal(e.$metadata.httpStatusCode, 403); return true; });
    // The long-term key still works at the new time.
    const still = await new STSClient({ ...skewed, credentials }).send(
      new GetCallerIdentityCommand({}));
    assert.equal(still.Account, '000000000000');
  });
});

// SigV4 streaming (aws-chunked) uploads, signed here from the AWS specification
// ("Signature Calculations for the Authorization Header: Transferring Payload in Multiple
// Chunks"); the seed signature comes from the SDK's own SigV4 signer.
class NodeSha256 {
  constructor(secret) {
    this.h = secret ? crypto.createHmac('sha256', secret) : crypto.createHash('sha256');
  }
  update(data) { this.h.update(data); }
  async digest() { return new Uint8Array(this.h.digest()); }
}
const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();
const sha256hex = (data) => crypto.createHash('sha256').update(data).digest('hex');

async function streamingPut(sandbox, bucket, key, data, chunkSize, tamper) {
  const url = new URL(sandbox.endpoint);
  const signer = new SignatureV4({ service: 's3', region, credentials, sha256: NodeSha256,
    uriEscapePath: false, applyChecksum: false });
  const chunks = [];
  for (let i = 0; i < data.length; i += chunkSize) chunks.push(data.subarray(i, i + chunkSize));
  chunks.push(Buffer.alloc(0));
  const encodedLength = chunks.reduce((n, c) =>
    n + c.length.toString(16).length + ';chunk-signature='.length + 64 + 4 + c.length, 0);
  const signed = await signer.sign({
    method: 'PUT', protocol: 'http:', hostname: url.hostname, port: Number(url.port),
    path: `/${bucket}/${key}`, query: {},
    headers: {
      host: url.host, 'content-encoding': 'aws-chunked',
      'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      'x-amz-decoded-content-length': String(data.length),
      'content-length': String(encodedLength),
    },
  });
  const auth = signed.headers.authorization;
  const seed = auth.match(/Signature=([0-9a-f]{64})/)[1];
  const amzDate = signed.headers['x-amz-date'];
  const scope = `${amzDate.slice(0, 8)}/${region}/s3/aws4_request`;
  let signingKey = hmac(`AWS4${credentials.secretAccessKey}`, amzDate.slice(0, 8));
  for (const part of [region, 's3', 'aws4_request']) signingKey = hmac(signingKey, part);
  let previous = seed;
  const parts = [];
  chunks.forEach((chunk, i) => {
    const stringToSign = ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, previous, sha256hex(''),
      sha256hex(chunk)].join('\n');
    const signature = hmac(signingKey, stringToSign).toString('hex');
    previous = signature;
    const wire = Buffer.from(chunk);
    if (tamper && i === 1) wire[0] ^= 1;  // the second chunk's bytes change after signing
    parts.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${signature}\r\n`), wire,
      Buffer.from('\r\n'));
  });
  const body = Buffer.concat(parts);
  assert.equal(body.length, encodedLength);
  const response = await fetch(`${sandbox.endpoint}/${bucket}/${key}`, {
    method: 'PUT', headers: signed.headers, body,
  });
  return { status: response.status, text: await response.text() };
}

describe('SigV4 streaming uploads', () => {
  let sandbox;
  let s3;
  before(async () => {
    sandbox = await startSandbox();
    s3 = new S3Client({ region, endpoint: sandbox.endpoint, credentials, forcePathStyle: true,
      maxAttempts: 1 });
    await s3.send(new CreateBucketCommand({ Bucket: 'streams' }));
  });
  after(async () => { await sandbox?.stop(); });

  test('every chunk signature is verified; a tampered chunk is SignatureDoesNotMatch', async () => {
    const data = crypto.randomBytes(200 * 1024);
    const ok = await streamingPut(sandbox, 'streams', 'good.bin', data, 64 * 1024, false);
    assert.equal(ok.status, 200, ok.text);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'streams', Key: 'good.bin' }));
    assert.ok(Buffer.from(await got.Body.transformToByteArray()).equals(data));

    const bad = await streamingPut(sandbox, 'streams', 'bad.bin', data, 64 * 1024, true);
    assert.equal(bad.status, 403, bad.text);
    assert.match(bad.text, /<Code>SignatureDoesNotMatch<\/Code>/);
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: 'streams', Key: 'bad.bin' })),
      (e) => e.name === 'NoSuchKey');
  });
});
