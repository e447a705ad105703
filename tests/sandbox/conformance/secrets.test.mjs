// Secrets Manager and SSM Parameter Store conformance: the AWS CLI v2 and the AWS SDK for
// JavaScript v3 (@aws-sdk/client-secrets-manager, @aws-sdk/client-ssm; awsJson1_1) against
// `ferry sandbox --data DIR`: values, versions and stages, SecureString decryption, the errors
// AWS names, hostile input, and nothing stored in plain text.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  CreateSecretCommand, DeleteSecretCommand, DescribeSecretCommand, GetSecretValueCommand,
  PutSecretValueCommand, SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  DeleteParameterCommand, GetParameterCommand, GetParametersCommand, PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';

import { SignatureV4 } from '@smithy/signature-v4';

import { aws, credentials, startSandbox, tempDir } from './s3_support.mjs';

let sandbox;
let dataDir;
let sm;
let ssm;
const run = (...args) => aws(sandbox.endpoint, args);

function ok(r) {
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}`);
  return r;
}
function fails(r, code) {
  assert.notEqual(r.status, 0, r.stdout);
  assert.match(r.stderr, new RegExp(`\\(${code}\\)`), r.stderr);
}

// Every file under dir, read whole (to check nothing holds a value in plain text).
function filesUnder(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(p));
    else out.push([p, fs.readFileSync(p)]);
  }
  return out;
}

before(async () => {
  dataDir = tempDir('ferry-secrets-');
  sandbox = await startSandbox(['--data', dataDir]);
  const config = { endpoint: sandbox.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 };
  sm = new SecretsManagerClient(config);
  ssm = new SSMClient(config);
});
after(async () => {
  await sandbox?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('CLI: a secret, a new version, stages, ARNs and partial ARNs', () => {
  const created = ok(run('secretsmanager', 'create-secret', '--name', 'prod/db',
    '--secret-string', 'first-canary-value')).json;
  assert.match(created.ARN, /^arn:aws:secretsmanager:us-east-1:000000000000:secret:prod\/db-[A-Za-z]{6}$/);
  const put = ok(run('secretsmanager', 'put-secret-value', '--secret-id', created.ARN,
    '--secret-string', '{"password":"pw-canary","user":"app"}')).json;
  assert.deepEqual(put.VersionStages, ['AWSCURRENT']);
  const partial = created.ARN.slice(0, -7);
  const current = ok(run('secretsmanager', 'get-secret-value', '--secret-id', partial)).json;
  assert.equal(current.SecretString, '{"password":"pw-canary","user":"app"}');
  assert.equal(current.VersionId, put.VersionId);
  const previous = ok(run('secretsmanager', 'get-secret-value', '--secret-id', 'prod/db',
    '--version-stage', 'AWSPREVIOUS')).json;
  assert.equal(previous.SecretString, 'first-canary-value');
  const described = ok(run('secretsmanager', 'describe-secret', '--secret-id', 'prod/db')).json;
  assert.deepEqual(described.VersionIdsToStages[put.VersionId], ['AWSCURRENT']);
  assert.deepEqual(described.VersionIdsToStages[created.VersionId], ['AWSPREVIOUS']);

  fails(run('secretsmanager', 'create-secret', '--name', 'prod/db', '--secret-string', 'x'),
    'ResourceExistsException');
  fails(run('secretsmanager', 'get-secret-value', '--secret-id', 'prod/nope'),
    'ResourceNotFoundException');
  fails(run('secretsmanager', 'get-secret-value', '--secret-id', 'prod/db', '--version-stage',
    'NOPE'), 'ResourceNotFoundException');
  fails(run('secretsmanager', 'create-secret', '--name', 'bad name*', '--secret-string', 'x'),
    'ValidationException');
});

test('CLI: scheduled and forced deletion', () => {
  ok(run('secretsmanager', 'create-secret', '--name', 'gone', '--secret-string', 'x'));
  const deleted = ok(run('secretsmanager', 'delete-secret', '--secret-id', 'gone',
    '--recovery-window-in-days', '7')).json;
  assert.ok(deleted.DeletionDate);
  fails(run('secretsmanager', 'get-secret-value', '--secret-id', 'gone'),
    'InvalidRequestException');
  ok(run('secretsmanager', 'delete-secret', '--secret-id', 'gone',
    '--force-delete-without-recovery'));
  fails(run('secretsmanager', 'describe-secret', '--secret-id', 'gone'),
    'ResourceNotFoundException');
});

test('CLI: SSM String and SecureString, versions, overwrite', () => {
  ok(run('ssm', 'put-parameter', '--name', '/prod/api-key', '--type', 'SecureString',
    '--value', 'ssm-canary-value'));
  const sealed = ok(run('ssm', 'get-parameter', '--name', '/prod/api-key')).json.Parameter;
  assert.equal(sealed.Type, 'SecureString');
  assert.notEqual(sealed.Value, 'ssm-canary-value');
  const plain = ok(run('ssm', 'get-parameter', '--name', '/prod/api-key', '--with-decryption'))
    .json.Parameter;
  assert.equal(plain.Value, 'ssm-canary-value');
  assert.equal(plain.ARN, 'arn:aws:ssm:us-east-1:000000000000:parameter/prod/api-key');
  fails(run('ssm', 'put-parameter', '--name', '/prod/api-key', '--type', 'SecureString',
    '--value', 'x'), 'ParameterAlreadyExists');
  const v2 = ok(run('ssm', 'put-parameter', '--name', '/prod/api-key', '--value', 'second',
    '--overwrite')).json;
  assert.equal(v2.Version, 2);
  const first = ok(run('ssm', 'get-parameter', '--name', '/prod/api-key:1', '--with-decryption'))
    .json.Parameter;
  assert.equal(first.Value, 'ssm-canary-value');
  assert.equal(first.Selector, ':1');
  fails(run('ssm', 'get-parameter', '--name', '/prod/api-key:9'), 'ParameterVersionNotFound');
  fails(run('ssm', 'get-parameter', '--name', '/prod/none'), 'ParameterNotFound');
  fails(run('ssm', 'put-parameter', '--name', 'a/b', '--type', 'String', '--value', 'x'),
    'ValidationException');
  fails(run('ssm', 'put-parameter', '--name', '/aws/x', '--type', 'String', '--value', 'x'),
    'ValidationException');
  fails(run('ssm', 'put-parameter', '--name', '/big', '--type', 'String', '--value',
    'x'.repeat(4097)), 'ValidationException');
});

test('SDK: the same operations through the AWS SDK for JavaScript', async () => {
  const created = await sm.send(new CreateSecretCommand({
    Name: 'sdk/token', SecretString: 'sdk-canary-value',
    ClientRequestToken: '11111111-2222-3333-4444-555555555555',
  }));
  // The same token and value again: the same version (idempotent); another value: refused.
  const again = await sm.send(new PutSecretValueCommand({
    SecretId: 'sdk/token', SecretString: 'sdk-canary-value',
    ClientRequestToken: '11111111-2222-3333-4444-555555555555',
  }));
  assert.equal(again.VersionId, created.VersionId);
  await assert.rejects(sm.send(new PutSecretValueCommand({
    SecretId: 'sdk/token', SecretString: 'other',
    ClientRequestToken: '11111111-2222-3333-4444-555555555555',
  })), (e) => e.name === 'ResourceExistsException');
  const got = await sm.send(new GetSecretValueCommand({ SecretId: created.ARN }));
  assert.equal(got.SecretString, 'sdk-canary-value');
  assert.ok(got.CreatedDate instanceof Date);
  const binary = await sm.send(new CreateSecretCommand({
    Name: 'sdk/bin', SecretBinary: Buffer.from([0, 1, 2, 255]),
  }));
  const gotBinary = await sm.send(new GetSecretValueCommand({ SecretId: binary.ARN }));
  assert.deepEqual(Buffer.from(gotBinary.SecretBinary), Buffer.from([0, 1, 2, 255]));
  await assert.rejects(sm.send(new CreateSecretCommand({
    Name: 'sdk/both', SecretString: 'a', SecretBinary: Buffer.from('b'),
  })), (e) => e.name === 'InvalidParameterException');
  const described = await sm.send(new DescribeSecretCommand({ SecretId: 'sdk/token' }));
  assert.ok(described.LastChangedDate instanceof Date);
  await sm.send(new DeleteSecretCommand({ SecretId: 'sdk/bin', ForceDeleteWithoutRecovery: true }));

  await ssm.send(new PutParameterCommand({ Name: 'sdk-plain', Type: 'StringList', Value: 'a,b' }));
  await ssm.send(new PutParameterCommand({
    Name: '/sdk/secure', Type: 'SecureString', Value: 'sdk-ssm-canary', KeyId: 'alias/aws/ssm',
  }));
  const p = await ssm.send(new GetParameterCommand({ Name: '/sdk/secure', WithDecryption: true }));
  assert.equal(p.Parameter.Value, 'sdk-ssm-canary');
  assert.ok(p.Parameter.LastModifiedDate instanceof Date);
  const many = await ssm.send(new GetParametersCommand({
    Names: ['sdk-plain', '/sdk/secure', '/sdk/missing'], WithDecryption: true,
  }));
  assert.deepEqual(many.Parameters.map((x) => x.Value).sort(), ['a,b', 'sdk-ssm-canary']);
  assert.deepEqual(many.InvalidParameters, ['/sdk/missing']);
  await ssm.send(new DeleteParameterCommand({ Name: 'sdk-plain' }));
  await assert.rejects(ssm.send(new GetParameterCommand({ Name: 'sdk-plain' })),
    (e) => e.name === 'ParameterNotFound');
});

class NodeSha256 {
  constructor(secret) {
    this.h = secret ? crypto.createHmac('sha256', secret) : crypto.createHash('sha256');
  }
  update(data) { this.h.update(data); }
  async digest() { return new Uint8Array(this.h.digest()); }
}

// A request the SDK never sends, signed with the SDK's own signer: { status, json }.
async function signedCall(service, target, body) {
  const url = new URL(sandbox.endpoint);
  const signer = new SignatureV4({ service, region: 'us-east-1', credentials, sha256: NodeSha256 });
  const signed = await signer.sign({
    method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/',
    query: {},
    headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': target },
    body,
  });
  const response = await fetch(sandbox.endpoint + '/', { method: 'POST', headers: signed.headers,
    body });
  const text = await response.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: response.status, text, json };
}

test('hostile bodies get AWS-style errors and change nothing', async () => {
  // Unsigned: the front refuses before the service parses anything.
  const unsigned = await fetch(sandbox.endpoint + '/', {
    method: 'POST', body: '{"SecretId":"prod/db"}',
    headers: { 'X-Amz-Target': 'secretsmanager.GetSecretValue' },
  });
  assert.ok(unsigned.status === 400 || unsigned.status === 403, String(unsigned.status));
  assert.doesNotMatch(await unsigned.text(), /canary/);
  const cases = [
    ['secretsmanager', 'secretsmanager.GetSecretValue', '{"SecretId": ', 'SerializationException'],
    ['secretsmanager', 'secretsmanager.GetSecretValue', '[1,2]', 'SerializationException'],
    ['secretsmanager', 'secretsmanager.GetSecretValue', '{"SecretId": 7}', 'ValidationException'],
    ['secretsmanager', 'secretsmanager.GetSecretValue', '{"SecretId": ""}', 'ValidationException'],
    ['secretsmanager', 'secretsmanager.GetSecretValue', '{}', 'ValidationException'],
    ['secretsmanager', 'secretsmanager.RotateSecret', '{"SecretId": "prod/db"}',
      'UnknownOperationException'],
    ['secretsmanager', 'secretsmanager.CreateSecret',
      JSON.stringify({ Name: 'n', SecretString: 'x'.repeat(70_000) }), 'ValidationException'],
    ['secretsmanager', 'secretsmanager.CreateSecret', '{"Name": "deep", "Tags": ' +
      '['.repeat(40) + ']'.repeat(40) + '}', 'SerializationException'],
    ['ssm', 'AmazonSSM.GetParameter', '{"Name": "/prod/api-key", "WithDecryption": "yes"}',
      'ValidationException'],
    ['ssm', 'AmazonSSM.PutParameter', '{"Name": "/x", "Value": "v", "Type": "Secret"}',
      'ValidationException'],
    ['ssm', 'AmazonSSM.GetParameter', '{"Name": "/prod/api-key:label"}',
      'ParameterVersionLabelNotFound'],
    ['ssm', 'AmazonSSM.GetParameters', JSON.stringify({ Names: Array(11).fill('/a') }),
      'ValidationException'],
  ];
  for (const [service, target, body, code] of cases) {
    const r = await signedCall(service, target, body);
    assert.equal(r.status, 400, `${target} ${body.slice(0, 60)}: ${r.text}`);
    assert.equal(r.json?.__type, code, `${target} ${body.slice(0, 60)}: ${r.text}`);
  }
  const oversized = await signedCall('ssm', 'AmazonSSM.GetParameter',
    JSON.stringify({ Name: 'x'.repeat(300_000) }));
  assert.equal(oversized.status, 413, oversized.text);
  // Nothing changed: the secret still answers its value, no parameter /x, no secret n.
  const got = await sm.send(new GetSecretValueCommand({ SecretId: 'prod/db' }));
  assert.equal(got.SecretString, '{"password":"pw-canary","user":"app"}');
  await assert.rejects(ssm.send(new GetParameterCommand({ Name: '/x' })),
    (e) => e.name === 'ParameterNotFound');
  await assert.rejects(sm.send(new DescribeSecretCommand({ SecretId: 'n' })),
    (e) => e.name === 'ResourceNotFoundException');
});

test('a restart keeps everything, and no value is on disk in plain text', async () => {
  await sandbox.stop();
  sandbox = await startSandbox(['--data', dataDir]);
  const config = { endpoint: sandbox.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 };
  sm = new SecretsManagerClient(config);
  ssm = new SSMClient(config);
  const got = await sm.send(new GetSecretValueCommand({ SecretId: 'prod/db' }));
  assert.equal(got.SecretString, '{"password":"pw-canary","user":"app"}');
  const p = await ssm.send(new GetParameterCommand({ Name: '/sdk/secure', WithDecryption: true }));
  assert.equal(p.Parameter.Value, 'sdk-ssm-canary');
  const files = filesUnder(dataDir);
  assert.ok(files.length > 0);
  for (const [file, bytes] of files) {
    for (const value of ['first-canary-value', 'pw-canary', 'ssm-canary-value', 'sdk-canary-value',
      'sdk-ssm-canary']) {
      assert.equal(bytes.includes(value), false, `${value} in plain text in ${file}`);
    }
  }
  assert.equal(fs.statSync(path.join(dataDir, 'kms', 'key')).mode & 0o777, 0o600);
});
