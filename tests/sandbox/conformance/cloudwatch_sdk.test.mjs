// CloudWatch conformance: the AWS SDK for JavaScript v3 (@aws-sdk/client-cloudwatch, awsJson1_0
// with awsQueryCompatible errors, gzip request compression) against `ferry sandbox`.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { after, before, test } from 'node:test';

import {
  CloudWatchClient, DeleteAlarmsCommand, DescribeAlarmsCommand, GetMetricDataCommand,
  GetMetricStatisticsCommand, ListMetricsCommand, PutMetricAlarmCommand, PutMetricDataCommand,
  SetAlarmStateCommand, paginateGetMetricData,
} from '@aws-sdk/client-cloudwatch';

import { SignatureV4 } from '@smithy/signature-v4';

import { credentials, startOfMinute, startSandbox } from './s3_support.mjs';

let sandbox;
let cw;

before(async () => {
  sandbox = await startSandbox();
  cw = new CloudWatchClient({
    endpoint: sandbox.endpoint, region: 'us-east-1', credentials, maxAttempts: 1,
  });
});
after(async () => { await sandbox?.stop(); });

const minutesAgo = (m) => new Date(Date.now() - m * 60_000);

test('values, counts and percentiles through GetMetricData', async () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  await cw.send(new PutMetricDataCommand({
    Namespace: 'SdkApp',
    MetricData: [{
      MetricName: 'Latency', Unit: 'Milliseconds', Values: values,
      Dimensions: [{ Name: 'Version', Value: '7' }],
    }],
  }));
  const metric = { Namespace: 'SdkApp', MetricName: 'Latency',
    Dimensions: [{ Name: 'Version', Value: '7' }] };
  const out = await cw.send(new GetMetricDataCommand({
    StartTime: minutesAgo(5), EndTime: minutesAgo(-1),
    MetricDataQueries: ['p50', 'p90', 'p99', 'Average', 'SampleCount'].map((Stat, i) => ({
      Id: `q${i}`, MetricStat: { Metric: metric, Period: 300, Stat },
    })),
  }));
  const byId = Object.fromEntries(out.MetricDataResults.map((r) => [r.Id, r]));
  assert.equal(byId.q0.Values[0], 50);
  assert.equal(byId.q1.Values[0], 90);
  assert.equal(byId.q2.Values[0], 99);
  assert.equal(byId.q3.Values[0], 50.5);
  assert.equal(byId.q4.Values[0], 100);
  assert.ok(byId.q0.Timestamps[0] instanceof Date);
  assert.equal(byId.q0.StatusCode, 'Complete');
});

test('timestamps, ordering and pagination', async () => {
  const data = [];
  for (let m = 0; m < 6; m++) {
    data.push({ MetricName: 'Requests', Unit: 'Count', Value: m + 1,
      Timestamp: minutesAgo(m + 0.5) });
  }
  await cw.send(new PutMetricDataCommand({ Namespace: 'SdkPages', MetricData: data }));
  const query = {
    StartTime: minutesAgo(30), EndTime: minutesAgo(-1),
    MetricDataQueries: [{ Id: 'r', MetricStat: {
      Metric: { Namespace: 'SdkPages', MetricName: 'Requests' }, Period: 60, Stat: 'Sum' } }],
  };
  const all = await cw.send(new GetMetricDataCommand(query));
  const series = all.MetricDataResults[0];
  assert.equal(series.Values.length, 6);
  const times = series.Timestamps.map((t) => t.getTime());
  assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first by default');
  const values = [];
  let pages = 0;
  for await (const page of paginateGetMetricData({ client: cw },
    { ...query, MaxDatapoints: 4, ScanBy: 'TimestampAscending' })) {
    pages++;
    for (const r of page.MetricDataResults) values.push(...r.Values);
  }
  assert.equal(pages, 2);
  assert.deepEqual(values, [...series.Values].reverse());
});

test('GetMetricStatistics with statistic sets and extended statistics', async () => {
  await cw.send(new PutMetricDataCommand({
    Namespace: 'SdkStats',
    MetricData: [
      { MetricName: 'Bytes', Unit: 'Bytes',
        StatisticValues: { SampleCount: 4, Sum: 40, Minimum: 5, Maximum: 15 } },
      { MetricName: 'Bytes', Unit: 'Bytes', Value: 30 },
    ],
  }));
  const out = await cw.send(new GetMetricStatisticsCommand({
    Namespace: 'SdkStats', MetricName: 'Bytes', StartTime: minutesAgo(10),
    EndTime: minutesAgo(-1), Period: 3600, Statistics: ['Sum', 'SampleCount', 'Maximum'],
  }));
  const sum = out.Datapoints.reduce((a, d) => a + d.Sum, 0);
  assert.equal(sum, 70);
  assert.equal(out.Datapoints.reduce((a, d) => a + d.SampleCount, 0), 5);
  assert.ok(out.Datapoints.every((d) => d.Unit === 'Bytes'));
  const ext = await cw.send(new GetMetricStatisticsCommand({
    Namespace: 'SdkStats', MetricName: 'Bytes', StartTime: minutesAgo(10),
    EndTime: minutesAgo(-1), Period: 60, ExtendedStatistics: ['p99'],
  }));
  assert.ok(Array.isArray(ext.Datapoints));
});

// The SDK gzips PutMetricData bodies of 10 KiB and more (@requestCompression) and signs the
// compressed bytes: the sandbox verifies SigV4 over the raw body, then inflates it.
test('large requests are gzip-compressed by the SDK and still accepted', async () => {
  const sent = [];
  const spy = new CloudWatchClient({
    endpoint: sandbox.endpoint, region: 'us-east-1', credentials, maxAttempts: 1,
  });
  spy.middlewareStack.add((next) => async (args) => {
    sent.push(args.request.headers['content-encoding'] ?? args.request.headers['Content-Encoding']);
    return next(args);
  }, { step: 'finalizeRequest', name: 'recordEncoding' });
  const MetricData = Array.from({ length: 400 }, (_, i) => ({
    MetricName: 'Bulk', Value: i, Unit: 'Count',
    Dimensions: [{ Name: 'Shard', Value: `shard-${i % 4}` }],
  }));
  await spy.send(new PutMetricDataCommand({ Namespace: 'SdkBulk', MetricData }));
  assert.deepEqual(sent, ['gzip'], 'the SDK compressed the body');
  const listed = await cw.send(new ListMetricsCommand({ Namespace: 'SdkBulk' }));
  assert.equal(listed.Metrics.length, 4);
  const stats = await cw.send(new GetMetricStatisticsCommand({
    Namespace: 'SdkBulk', MetricName: 'Bulk', Dimensions: [{ Name: 'Shard', Value: 'shard-1' }],
    StartTime: minutesAgo(10), EndTime: minutesAgo(-1), Period: 60, Statistics: ['SampleCount'],
  }));
  assert.equal(stats.Datapoints.reduce((a, d) => a + d.SampleCount, 0), 100);
});

// Hand-signed gzip requests (the SDK's own signer, @smithy/signature-v4), for what the SDK never
// sends: a zip bomb, a malformed stream, a signature over the inflated instead of the raw bytes.
class NodeSha256 {
  constructor(secret) {
    this.h = secret ? crypto.createHmac('sha256', secret) : crypto.createHash('sha256');
  }
  update(data) { this.h.update(data); }
  async digest() { return new Uint8Array(this.h.digest()); }
}

async function signedGzipPut(wireBody, { signedBody = wireBody } = {}) {
  const url = new URL(sandbox.endpoint);
  const signer = new SignatureV4({ service: 'monitoring', region: 'us-east-1', credentials,
    sha256: NodeSha256 });
  const request = {
    method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/',
    query: {},
    headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded',
      'content-encoding': 'gzip' },
    body: signedBody,
  };
  const signed = await signer.sign(request);
  const response = await fetch(sandbox.endpoint + '/', {
    method: 'POST', headers: signed.headers, body: wireBody,
  });
  return { status: response.status, text: await response.text() };
}

const form = (n) => 'Action=PutMetricData&Version=2010-08-01&Namespace=Gz&' +
  `MetricData.member.1.MetricName=M&MetricData.member.1.Value=${n}`;

test('gzip bodies: raw-byte signatures, zip bombs and malformed streams', async () => {
  const ok = await signedGzipPut(zlib.gzipSync(form(1)));
  assert.equal(ok.status, 200, ok.text);

  // Signed over the inflated text but sent compressed: the payload hash does not match.
  const wrong = await signedGzipPut(zlib.gzipSync(form(2)), { signedBody: form(2) });
  assert.equal(wrong.status, 403, wrong.text);
  assert.match(wrong.text, /SignatureDoesNotMatch/);

  // 20 KiB on the wire, 32 MiB inflated: refused before it is held in memory whole.
  const bomb = zlib.gzipSync(Buffer.alloc(32 * 1024 * 1024, 0x61), { level: 9 });
  assert.ok(bomb.length < 64 * 1024);
  const big = await signedGzipPut(bomb);
  assert.equal(big.status, 413, big.text);
  assert.match(big.text, /RequestEntityTooLarge/);

  const broken = Buffer.concat([zlib.gzipSync(form(3)).subarray(0, 20)]);
  const bad = await signedGzipPut(broken);
  assert.equal(bad.status, 400, bad.text);
  assert.match(bad.text, /InvalidParameterValue/);
  assert.match(bad.text, /gzip/);
});

test('errors carry the query-compatible codes', async () => {
  await assert.rejects(cw.send(new PutMetricDataCommand({
    Namespace: 'AWS/Lambda', MetricData: [{ MetricName: 'x', Value: 1 }],
  })), (e) => {
    assert.equal(e.$metadata.httpStatusCode, 400);
    assert.match(e.name, /InvalidParameterValue/);
    return true;
  });
  await assert.rejects(cw.send(new PutMetricDataCommand({
    Namespace: 'SdkErr', MetricData: [{ MetricName: 'x', Value: 1, Values: [1] }],
  })), (e) => { assert.match(e.name, /InvalidParameterCombination/); return true; });
  await assert.rejects(cw.send(new DeleteAlarmsCommand({ AlarmNames: ['ghost'] })),
    (e) => { assert.equal(e.$metadata.httpStatusCode, 404); assert.match(e.name, /ResourceNotFound/); return true; });
});

test('alarm lifecycle with evaluation', async () => {
  await startOfMinute(sandbox);
  await cw.send(new PutMetricAlarmCommand({
    AlarmName: 'sdk-p99', Namespace: 'SdkAlarm', MetricName: 'Latency',
    ExtendedStatistic: 'p99', Period: 60, EvaluationPeriods: 1, Threshold: 250,
    ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching',
  }));
  let alarm = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['sdk-p99'] })))
    .MetricAlarms[0];
  assert.equal(alarm.StateValue, 'OK');
  assert.ok(alarm.StateUpdatedTimestamp instanceof Date);
  await cw.send(new PutMetricDataCommand({
    Namespace: 'SdkAlarm', MetricData: [{ MetricName: 'Latency', Values: [100, 900], Counts: [10, 5] }],
  }));
  alarm = (await cw.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }))).MetricAlarms[0];
  assert.equal(alarm?.AlarmName, 'sdk-p99');
  await cw.send(new SetAlarmStateCommand({
    AlarmName: 'sdk-p99', StateValue: 'INSUFFICIENT_DATA', StateReason: 'test',
  }));
  alarm = (await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'sdk-' }))).MetricAlarms[0];
  assert.equal(alarm.StateValue, 'INSUFFICIENT_DATA');
  await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['sdk-p99'] }));
  const none = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['sdk-p99'] }));
  assert.deepEqual(none.MetricAlarms, []);
});

// What a verify step reads (docs/deploy.md, "Verification"): a metric's past written with
// timestamps (yesterday's baseline in seconds), read back per version in 20-second periods (the
// service model's high-resolution periods include 20), and 500 queries in one call.
test('past timestamps, 20-second periods and 500 queries a call', async () => {
  // Sub-minute data is kept 3 hours (the service model, MetricStat.Period): yesterday's is read
  // at 60 s periods, and a 20 s period starting more than 3 hours ago returns no datapoints.
  const yesterday = new Date(Date.now() - 24 * 3600_000);
  yesterday.setUTCSeconds(0, 0);
  const recent = new Date(Date.now() - 10 * 60_000);
  recent.setUTCSeconds(0, 0);
  const put = (version, value, at) => ({
    MetricName: 'VerifyLatency', Unit: 'Milliseconds', Value: value, Timestamp: at,
    StorageResolution: 1, Dimensions: [{ Name: 'Version', Value: version }],
  });
  await cw.send(new PutMetricDataCommand({
    Namespace: 'SdkVerify',
    MetricData: [put('1', 100, yesterday), put('1', 110, new Date(yesterday.getTime() + 25_000)),
      put('2', 200, yesterday), put('3', 300, recent),
      put('3', 310, new Date(recent.getTime() + 25_000))],
  }));
  const query = (Id, Version, Stat, Period = 60) => ({
    Id,
    MetricStat: {
      Metric: { Namespace: 'SdkVerify', MetricName: 'VerifyLatency',
        Dimensions: [{ Name: 'Version', Value: Version }] },
      Period, Stat,
    },
  });
  const out = await cw.send(new GetMetricDataCommand({
    StartTime: yesterday, EndTime: new Date(yesterday.getTime() + 60_000),
    ScanBy: 'TimestampAscending',
    MetricDataQueries: [query('v1', '1', 'p99'), query('v2', '2', 'Average'),
      query('sub', '1', 'p99', 20),
      ...Array.from({ length: 497 }, (_, i) => query(`n${i}`, 'none', 'Sum'))],
  }));
  const byId = Object.fromEntries(out.MetricDataResults.map((r) => [r.Id, r]));
  assert.equal(out.MetricDataResults.length, 500);
  assert.equal(byId.v1.Values.length, 1);
  assert.ok(byId.v1.Values[0] >= 100 && byId.v1.Values[0] <= 110, String(byId.v1.Values));
  assert.deepEqual(byId.v1.Timestamps.map((t) => t.getTime()), [yesterday.getTime()]);
  assert.deepEqual(byId.v2.Values, [200]);
  assert.deepEqual(byId.sub.Values, []);
  assert.deepEqual(byId.n0.Values, []);
  const fresh = await cw.send(new GetMetricDataCommand({
    StartTime: recent, EndTime: new Date(recent.getTime() + 60_000),
    ScanBy: 'TimestampAscending',
    MetricDataQueries: [query('p', '3', 'p99', 20), query('s', '3', 'Sum', 20)],
  }));
  const freshById = Object.fromEntries(fresh.MetricDataResults.map((r) => [r.Id, r]));
  assert.deepEqual(freshById.p.Values, [300, 310]);
  assert.deepEqual(freshById.p.Timestamps.map((t) => t.getTime()),
    [recent.getTime(), recent.getTime() + 20_000]);
  assert.deepEqual(freshById.s.Values, [300, 310]);
  await assert.rejects(cw.send(new GetMetricDataCommand({
    StartTime: yesterday, EndTime: new Date(yesterday.getTime() + 60_000),
    MetricDataQueries: Array.from({ length: 501 }, (_, i) => query(`x${i}`, '1', 'Sum')),
  })), (e) => e.name !== undefined);
});
