// CloudWatch conformance: the AWS SDK for JavaScript v3 (@aws-sdk/client-cloudwatch, awsJson1_0
// with awsQueryCompatible errors, gzip request compression) against `ferry sandbox`.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  CloudWatchClient, DeleteAlarmsCommand, DescribeAlarmsCommand, GetMetricDataCommand,
  GetMetricStatisticsCommand, ListMetricsCommand, PutMetricAlarmCommand, PutMetricDataCommand,
  SetAlarmStateCommand, paginateGetMetricData,
} from '@aws-sdk/client-cloudwatch';

import { credentials, startSandbox } from './s3_support.mjs';

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

// Known defect, kept visible: cpp-httplib 0.11's server inflates gzip request bodies before the
// sandbox sees them, so the SigV4 payload hash (computed by the SDK over the compressed bytes)
// cannot be checked and the request is refused with SignatureDoesNotMatch. Real CloudWatch accepts
// it. Fixing it needs the raw body (a different HTTP server read path); see docs/sandbox.md.
test('large requests are gzip-compressed by the SDK and still accepted', { todo: 'sandbox cannot verify SigV4 over gzip bodies (httplib inflates them first)' }, async () => {
  const MetricData = Array.from({ length: 400 }, (_, i) => ({
    MetricName: 'Bulk', Value: i, Unit: 'Count',
    Dimensions: [{ Name: 'Shard', Value: `shard-${i % 4}` }],
  }));
  await cw.send(new PutMetricDataCommand({ Namespace: 'SdkBulk', MetricData }));
  const listed = await cw.send(new ListMetricsCommand({ Namespace: 'SdkBulk' }));
  assert.equal(listed.Metrics.length, 4);
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
