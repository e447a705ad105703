// Conformance: the AWS SDK for JavaScript v3 (@aws-sdk/client-lambda, client-sts) against
// `ferry sandbox`. Where the SDK and the sandbox disagree, the sandbox is wrong.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  LambdaClient, CreateFunctionCommand, GetFunctionCommand, UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand, PublishVersionCommand, CreateAliasCommand,
  UpdateAliasCommand, GetAliasCommand, ListAliasesCommand, InvokeCommand,
  ListVersionsByFunctionCommand, DeleteFunctionCommand, TagResourceCommand,
  UntagResourceCommand, ListTagsCommand, GetAccountSettingsCommand, ListFunctionsCommand,
  GetFunctionConfigurationCommand, waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { STSClient, GetCallerIdentityCommand, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { startSandbox } from './s3_support.mjs';
import { makeZip, pythonZip, ROLE } from './lambda_support.mjs';

const region = 'us-east-1';
const creds = { accessKeyId: 'test', secretAccessKey: 'test' };
const decode = (bytes) => JSON.parse(Buffer.from(bytes).toString('utf8'));

function lambdaClient(endpoint, credentials = creds, extra = {}) {
  return new LambdaClient({ region, endpoint, credentials, maxAttempts: 1, ...extra });
}

describe('lambda with the AWS SDK for JavaScript v3', () => {
  let sandbox;
  let lambda;
  before(async () => {
    sandbox = await startSandbox(['--update-delay', '200ms']);
    lambda = lambdaClient(sandbox.endpoint);
  });
  after(async () => { await sandbox?.stop(); });

  test('full deploy sequence: create, wait, update, publish, weighted alias, invoke, delete',
    async () => {
      const created = await lambda.send(new CreateFunctionCommand({
        FunctionName: 'orders', Runtime: 'python3.12', Handler: 'app.handler', Role: ROLE,
        Code: { ZipFile: pythonZip('v1') }, Environment: { Variables: { GREETING: 'hello' } },
        Tags: { team: 'payments' },
      }));
      assert.equal(created.State, 'Pending');
      assert.match(created.CodeSha256, /^[A-Za-z0-9+/]{43}=$/);
      await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 1 },
        { FunctionName: 'orders' });

      const v1 = await lambda.send(new PublishVersionCommand({
        FunctionName: 'orders', CodeSha256: created.CodeSha256 }));
      assert.equal(v1.Version, '1');
      const again = await lambda.send(new PublishVersionCommand({ FunctionName: 'orders' }));
      assert.equal(again.Version, '1', 'nothing changed: the existing version comes back');

      const updated = await lambda.send(new UpdateFunctionCodeCommand({
        FunctionName: 'orders', ZipFile: pythonZip('v2') }));
      assert.equal(updated.LastUpdateStatus, 'InProgress');
      await assert.rejects(
        lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'orders', Timeout: 9 })),
        (e) => e.name === 'ResourceConflictException' && e.$metadata.httpStatusCode === 409);
      await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30, minDelay: 1 },
        { FunctionName: 'orders' });
      const v2 = await lambda.send(new PublishVersionCommand({ FunctionName: 'orders' }));
      assert.equal(v2.Version, '2');

      await lambda.send(new CreateAliasCommand({
        FunctionName: 'orders', Name: 'live', FunctionVersion: '1',
        RoutingConfig: { AdditionalVersionWeights: { '2': 0.3 } } }));
      const counts = { 1: 0, 2: 0 };
      const n = 300;
      for (let i = 0; i < n; i++) {
        const out = await lambda.send(new InvokeCommand({
          FunctionName: 'orders', Qualifier: 'live', Payload: JSON.stringify({ i }) }));
        assert.equal(out.StatusCode, 200);
        assert.equal(out.FunctionError, undefined);
        const body = decode(out.Payload);
        counts[out.ExecutedVersion] += 1;
        assert.equal(body.marker, out.ExecutedVersion === '1' ? 'v1' : 'v2');
        assert.equal(body.greeting, 'hello');
        assert.equal(body.remaining_ok, true);
      }
      const share = counts[2] / n;
      assert.ok(share > 0.2 && share < 0.4, `version 2 got ${share} of the traffic, wanted ~0.3`);

      await assert.rejects(lambda.send(new DeleteFunctionCommand({
        FunctionName: 'orders', Qualifier: '2' })),
      (e) => e.name === 'ResourceConflictException');

      const versions = await lambda.send(new ListVersionsByFunctionCommand({
        FunctionName: 'orders', MaxItems: 2 }));
      assert.deepEqual(versions.Versions.map((v) => v.Version), ['$LATEST', '1']);
      assert.ok(versions.NextMarker);
      const rest = await lambda.send(new ListVersionsByFunctionCommand({
        FunctionName: 'orders', Marker: versions.NextMarker }));
      assert.deepEqual(rest.Versions.map((v) => v.Version), ['2']);
      assert.equal(rest.NextMarker, undefined);

      const alias = await lambda.send(new GetAliasCommand({ FunctionName: 'orders', Name: 'live' }));
      await assert.rejects(lambda.send(new UpdateAliasCommand({
        FunctionName: 'orders', Name: 'live', FunctionVersion: '2', RevisionId: 'stale' })),
      (e) => e.name === 'PreconditionFailedException' && e.$metadata.httpStatusCode === 412);
      await lambda.send(new UpdateAliasCommand({
        FunctionName: 'orders', Name: 'live', FunctionVersion: '2', RevisionId: alias.RevisionId,
        RoutingConfig: { AdditionalVersionWeights: {} } }));
      const aliases = await lambda.send(new ListAliasesCommand({ FunctionName: 'orders' }));
      assert.equal(aliases.Aliases[0].FunctionVersion, '2');
      assert.equal(aliases.Aliases[0].RoutingConfig, undefined);

      const arn = created.FunctionArn;
      await lambda.send(new TagResourceCommand({ Resource: arn, Tags: { env: 'prod' } }));
      await lambda.send(new UntagResourceCommand({ Resource: arn, TagKeys: ['team'] }));
      const tags = await lambda.send(new ListTagsCommand({ Resource: arn }));
      assert.deepEqual(tags.Tags, { env: 'prod' });

      await lambda.send(new DeleteFunctionCommand({ FunctionName: 'orders', Qualifier: '1' }));
      await lambda.send(new DeleteFunctionCommand({ FunctionName: 'orders' }));
      await assert.rejects(lambda.send(new GetFunctionCommand({ FunctionName: 'orders' })),
        (e) => e.name === 'ResourceNotFoundException' && e.$metadata.httpStatusCode === 404);
    });

  test('handler errors, timeouts, log tail, event and dry-run invocations', async () => {
    await lambda.send(new CreateFunctionCommand({
      FunctionName: 'errs', Runtime: 'python3.12', Handler: 'app.handler', Role: ROLE,
      Timeout: 1, Code: { ZipFile: pythonZip('e') } }));
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 1 },
      { FunctionName: 'errs' });
    const failed = await lambda.send(new InvokeCommand({
      FunctionName: 'errs', Payload: JSON.stringify({ fail: 'x' }), LogType: 'Tail' }));
    assert.equal(failed.FunctionError, 'Unhandled');
    const error = decode(failed.Payload);
    assert.equal(error.errorType, 'ValueError');
    assert.equal(error.errorMessage, 'boom: x');
    assert.ok(Array.isArray(error.stackTrace) && error.stackTrace.length > 0);
    const log = Buffer.from(failed.LogResult, 'base64').toString();
    assert.match(log, /START RequestId: /);
    assert.match(log, /REPORT RequestId: .*Duration: /);

    const slow = await lambda.send(new InvokeCommand({
      FunctionName: 'errs', Payload: JSON.stringify({ sleep: 5 }) }));
    assert.equal(slow.FunctionError, 'Unhandled');
    assert.match(decode(slow.Payload).errorMessage, /Task timed out after 1\.00 seconds/);
    const fine = await lambda.send(new InvokeCommand({ FunctionName: 'errs', Payload: '{}' }));
    assert.equal(fine.FunctionError, undefined, 'the worker is replaced after a timeout');

    const event = await lambda.send(new InvokeCommand({
      FunctionName: 'errs', InvocationType: 'Event', Payload: '{}' }));
    assert.equal(event.StatusCode, 202);
    const dry = await lambda.send(new InvokeCommand({ FunctionName: 'errs', InvocationType: 'DryRun' }));
    assert.equal(dry.StatusCode, 204);
    await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: 'errs', Payload: 'not json' })),
      (e) => e.name === 'InvalidRequestContentException');
  });

  test('node handlers run too', async () => {
    const zip = makeZip({ 'index.js':
      'exports.handler = async (event, context) => { console.log("hi"); ' +
      'if (event.fail) throw new TypeError("bad input"); ' +
      'return { n: event.n + 1, fn: context.functionName }; };' });
    await lambda.send(new CreateFunctionCommand({
      FunctionName: 'nodefn', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE,
      Code: { ZipFile: zip } }));
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 1 },
      { FunctionName: 'nodefn' });
    const out = await lambda.send(new InvokeCommand({ FunctionName: 'nodefn', Payload: '{"n":41}' }));
    assert.deepEqual(decode(out.Payload), { n: 42, fn: 'nodefn' });
    const bad = await lambda.send(new InvokeCommand({ FunctionName: 'nodefn', Payload: '{"fail":1}' }));
    assert.equal(bad.FunctionError, 'Unhandled');
    assert.equal(decode(bad.Payload).errorType, 'TypeError');
  });

  test('validation and code errors use Lambda\'s codes', async () => {
    await assert.rejects(lambda.send(new CreateFunctionCommand({
      FunctionName: 'bad', Runtime: 'python9.9', Handler: 'app.handler', Role: ROLE,
      MemorySize: 100000, Code: { ZipFile: pythonZip('x') } })),
    (e) => e.name === 'ValidationException' && /2 validation errors detected/.test(e.message));
    await assert.rejects(lambda.send(new CreateFunctionCommand({
      FunctionName: 'bad', Runtime: 'python3.12', Handler: 'app.handler', Role: ROLE,
      Code: { ZipFile: Buffer.from('this is not a zip') } })),
    (e) => e.name === 'InvalidParameterValueException' && /Could not unzip/.test(e.message));
    await assert.rejects(lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'nope' })),
      (e) => e.name === 'ResourceNotFoundException');
    const settings = await lambda.send(new GetAccountSettingsCommand({}));
    assert.ok(settings.AccountUsage.TotalCodeSize > 0);
    assert.ok(settings.AccountLimit.CodeSizeZipped > 0);
    const listed = await lambda.send(new ListFunctionsCommand({ MaxItems: 1 }));
    assert.equal(listed.Functions.length, 1);
  });

  test('signature errors: bad secret, unknown key', async () => {
    const wrongSecret = lambdaClient(sandbox.endpoint, { accessKeyId: 'test', secretAccessKey: 'x' });
    await assert.rejects(wrongSecret.send(new ListFunctionsCommand({})),
      (e) => e.name === 'InvalidSignatureException' && e.$metadata.httpStatusCode === 403);
    const unknown = lambdaClient(sandbox.endpoint, { accessKeyId: 'AKIANOBODY', secretAccessKey: 'x' });
    await assert.rejects(unknown.send(new ListFunctionsCommand({})),
      (e) => e.name === 'UnrecognizedClientException');
    const res = await fetch(`${sandbox.endpoint}/2015-03-31/functions/`);
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
  });

  test('STS: caller identity and AssumeRole credentials the sandbox accepts', async () => {
    const sts = new STSClient({ region, endpoint: sandbox.endpoint, credentials: creds });
    const me = await sts.send(new GetCallerIdentityCommand({}));
    assert.equal(me.Account, '000000000000');
    const assumed = await sts.send(new AssumeRoleCommand({
      RoleArn: 'arn:aws:iam::000000000000:role/deployer', RoleSessionName: 'ferry' }));
    const c = assumed.Credentials;
    assert.match(c.AccessKeyId, /^ASIA/);
    assert.ok(c.Expiration > new Date());
    const temp = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey,
                   sessionToken: c.SessionToken };
    const asRole = new STSClient({ region, endpoint: sandbox.endpoint, credentials: temp });
    const who = await asRole.send(new GetCallerIdentityCommand({}));
    assert.equal(who.Arn, 'arn:aws:sts::000000000000:assumed-role/deployer/ferry');
    await lambdaClient(sandbox.endpoint, temp).send(new ListFunctionsCommand({}));
    const noToken = lambdaClient(sandbox.endpoint,
      { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey });
    await assert.rejects(noToken.send(new ListFunctionsCommand({})),
      (e) => e.name === 'UnrecognizedClientException');
  });
});

describe('quotas and injected faults', () => {
  test('--quota throttles the control plane with TooManyRequestsException', async () => {
    const sandbox = await startSandbox(['--quota']);
    try {
      const lambda = lambdaClient(sandbox.endpoint);
      let throttled;
      for (let i = 0; i < 40 && !throttled; i++) {
        try {
          await lambda.send(new ListFunctionsCommand({}));
        } catch (e) {
          throttled = e;
        }
      }
      assert.ok(throttled, 'more than 15 listings in a burst must be throttled');
      assert.equal(throttled.name, 'TooManyRequestsException');
      assert.equal(throttled.$metadata.httpStatusCode, 429);
      assert.equal(throttled.Reason, 'CallerRateLimitExceeded');
      assert.ok(Number(throttled.retryAfterSeconds) >= 1);
    } finally {
      await sandbox.stop();
    }
  });

  test('faults from the flag and from the admin endpoint', async () => {
    const sandbox = await startSandbox(
      ['--fault', 'op=ListFunctions,rate=1,code=ServiceException', '--fault-seed', '7']);
    try {
      const lambda = lambdaClient(sandbox.endpoint);
      await assert.rejects(lambda.send(new ListFunctionsCommand({})),
        (e) => e.name === 'ServiceException' && e.$metadata.httpStatusCode === 500);
      let res = await fetch(`${sandbox.endpoint}/_ferry/faults`, { method: 'DELETE' });
      assert.equal(res.status, 200);
      await lambda.send(new ListFunctionsCommand({}));
      res = await fetch(`${sandbox.endpoint}/_ferry/faults`, {
        method: 'POST',
        body: JSON.stringify({ op: 'GetAccountSettings', rate: 1, code: 'TooManyRequestsException' }),
      });
      assert.equal(res.status, 200);
      await assert.rejects(lambda.send(new GetAccountSettingsCommand({})),
        (e) => e.name === 'TooManyRequestsException' && e.$metadata.httpStatusCode === 429);
      res = await fetch(`${sandbox.endpoint}/_ferry/health`);
      assert.equal((await res.json()).status, 'ok');
    } finally {
      await sandbox.stop();
    }
  });
});
