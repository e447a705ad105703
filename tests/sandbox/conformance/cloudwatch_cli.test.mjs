// CloudWatch conformance: the AWS CLI v2 (query protocol) against `ferry sandbox`.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';

import { aws, startOfMinute, startSandbox, tempDir } from './s3_support.mjs';

let sandbox;
const run = (...args) => aws(sandbox.endpoint, args);

function ok(r) {
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}`);
  return r;
}

before(async () => { sandbox = await startSandbox(); });
after(async () => { await sandbox?.stop(); });

const now = () => new Date();
const iso = (d) => d.toISOString();

test('put-metric-data then statistics and metric data', () => {
  ok(run('cloudwatch', 'put-metric-data', '--namespace', 'Rehearsal', '--metric-name', 'Latency',
    '--dimensions', 'Service=checkout', '--unit', 'Milliseconds', '--value', '120'));
  ok(run('cloudwatch', 'put-metric-data', '--namespace', 'Rehearsal', '--metric-data',
    JSON.stringify([{
      MetricName: 'Latency', Dimensions: [{ Name: 'Service', Value: 'checkout' }],
      Unit: 'Milliseconds', Values: [100, 200, 300], Counts: [1, 1, 2],
    }, {
      MetricName: 'Latency', Dimensions: [{ Name: 'Service', Value: 'checkout' }],
      Unit: 'Milliseconds',
      StatisticValues: { SampleCount: 2, Sum: 100, Minimum: 40, Maximum: 60 },
    }])));
  const start = new Date(Date.now() - 10 * 60_000);
  const end = new Date(Date.now() + 60_000);
  const stats = ok(run('cloudwatch', 'get-metric-statistics', '--namespace', 'Rehearsal',
    '--metric-name', 'Latency', '--dimensions', 'Name=Service,Value=checkout',
    '--start-time', iso(start), '--end-time', iso(end), '--period', '3600',
    '--statistics', 'Sum', 'SampleCount', 'Minimum', 'Maximum', 'Average')).json;
  assert.equal(stats.Label, 'Latency');
  const totals = stats.Datapoints.reduce((acc, d) => ({
    sum: acc.sum + d.Sum, count: acc.count + d.SampleCount,
  }), { sum: 0, count: 0 });
  assert.equal(totals.sum, 120 + 100 + 200 + 600 + 100);
  assert.equal(totals.count, 1 + 4 + 2);
  assert.ok(stats.Datapoints.every((d) => d.Unit === 'Milliseconds'));

  const ext = ok(run('cloudwatch', 'get-metric-statistics', '--namespace', 'Rehearsal',
    '--metric-name', 'Latency', '--dimensions', 'Name=Service,Value=checkout',
    '--start-time', iso(start), '--end-time', iso(end), '--period', '60',
    '--extended-statistics', 'p50')).json;
  assert.ok(ext.Datapoints.length >= 1);

  const data = ok(run('cloudwatch', 'get-metric-data', '--start-time', iso(start),
    '--end-time', iso(end), '--metric-data-queries', JSON.stringify([{
      Id: 'total', MetricStat: {
        Metric: { Namespace: 'Rehearsal', MetricName: 'Latency',
          Dimensions: [{ Name: 'Service', Value: 'checkout' }] },
        Period: 3600, Stat: 'Sum',
      },
    }, {
      Id: 'max', MetricStat: {
        Metric: { Namespace: 'Rehearsal', MetricName: 'Latency',
          Dimensions: [{ Name: 'Service', Value: 'checkout' }] },
        Period: 3600, Stat: 'Maximum',
      },
    }]))).json;
  assert.equal(data.MetricDataResults.length, 2);
  const total = data.MetricDataResults.find((r) => r.Id === 'total');
  assert.equal(total.Values.reduce((a, b) => a + b, 0), 1120);
  assert.equal(total.StatusCode, 'Complete');
  assert.equal(data.MetricDataResults.find((r) => r.Id === 'max').Values[0], 300);

  const metrics = ok(run('cloudwatch', 'list-metrics', '--namespace', 'Rehearsal')).json;
  assert.deepEqual(metrics.Metrics, [{
    Namespace: 'Rehearsal', MetricName: 'Latency',
    Dimensions: [{ Name: 'Service', Value: 'checkout' }],
  }]);
});

test('errors use the query protocol codes', () => {
  let r = run('cloudwatch', 'put-metric-data', '--namespace', 'AWS/Lambda', '--metric-name', 'x',
    '--value', '1');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /InvalidParameterValue/);
  r = run('cloudwatch', 'get-metric-statistics', '--namespace', 'N', '--metric-name', 'M',
    '--start-time', iso(now()), '--end-time', iso(new Date(Date.now() - 60_000)),
    '--period', '60', '--statistics', 'Sum');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /InvalidParameterValue/);
  r = run('cloudwatch', 'delete-alarms', '--alarm-names', 'never-created');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /ResourceNotFound/);
});

test('alarms: create, evaluate, set state, delete', async () => {
  await startOfMinute(sandbox);
  ok(run('cloudwatch', 'put-metric-alarm', '--alarm-name', 'cli-errors',
    '--namespace', 'RehearsalApp', '--metric-name', 'Errors', '--statistic', 'Sum',
    '--dimensions', 'Name=FunctionName,Value=orders', '--period', '60',
    '--evaluation-periods', '1', '--threshold', '1',
    '--comparison-operator', 'GreaterThanOrEqualToThreshold',
    '--treat-missing-data', 'notBreaching'));
  let alarm = ok(run('cloudwatch', 'describe-alarms', '--alarm-names', 'cli-errors')).json
    .MetricAlarms[0];
  assert.equal(alarm.StateValue, 'OK');
  assert.equal(alarm.Threshold, 1);
  assert.deepEqual(alarm.Dimensions, [{ Name: 'FunctionName', Value: 'orders' }]);
  ok(run('cloudwatch', 'put-metric-data', '--namespace', 'RehearsalApp', '--metric-name',
    'Errors', '--dimensions', 'FunctionName=orders', '--value', '3'));
  alarm = ok(run('cloudwatch', 'describe-alarms', '--state-value', 'ALARM')).json.MetricAlarms[0];
  assert.equal(alarm.AlarmName, 'cli-errors');
  assert.match(alarm.StateReason, /Threshold Crossed/);
  ok(run('cloudwatch', 'set-alarm-state', '--alarm-name', 'cli-errors', '--state-value', 'OK',
    '--state-reason', 'manual reset'));
  alarm = ok(run('cloudwatch', 'describe-alarms', '--alarm-names', 'cli-errors')).json
    .MetricAlarms[0];
  assert.equal(alarm.StateValue, 'OK');
  assert.equal(alarm.StateReason, 'manual reset');
  const history = ok(run('cloudwatch', 'describe-alarm-history', '--alarm-name', 'cli-errors'))
    .json.AlarmHistoryItems;
  assert.ok(history.some((h) => h.HistorySummary === 'Alarm updated from OK to ALARM'));
  ok(run('cloudwatch', 'delete-alarms', '--alarm-names', 'cli-errors'));
  assert.deepEqual(ok(run('cloudwatch', 'describe-alarms')).json.MetricAlarms, []);
});

test('--data keeps metrics and alarms across a restart', async () => {
  const data = tempDir('ferry-cw-data-');
  try {
    let sb = await startSandbox(['--data', data]);
    ok(aws(sb.endpoint, ['cloudwatch', 'put-metric-data', '--namespace', 'Durable',
      '--metric-name', 'Hits', '--value', '4']));
    ok(aws(sb.endpoint, ['cloudwatch', 'put-metric-alarm', '--alarm-name', 'durable-hits',
      '--namespace', 'Durable', '--metric-name', 'Hits', '--statistic', 'Sum', '--period', '60',
      '--evaluation-periods', '1', '--threshold', '3',
      '--comparison-operator', 'GreaterThanThreshold']));
    await sb.stop();
    sb = await startSandbox(['--data', data]);
    const metrics = ok(aws(sb.endpoint, ['cloudwatch', 'list-metrics', '--namespace', 'Durable']))
      .json.Metrics;
    assert.equal(metrics.length, 1);
    const alarms = ok(aws(sb.endpoint, ['cloudwatch', 'describe-alarms', '--alarm-names',
      'durable-hits'])).json.MetricAlarms;
    assert.equal(alarms.length, 1);
    await sb.stop();
  } finally {
    fs.rmSync(data, { recursive: true, force: true });
  }
});

test("yesterday's baseline on the sandbox clock: p99 at 60 s, none at 20 s", async () => {
  // Its own sandbox: the clock moves (10 minutes, well inside the signature skew it accepts).
  const sb = await startSandbox();
  try {
    const moved = await fetch(`${sb.endpoint}/_ferry/clock`, {
      method: 'POST', body: JSON.stringify({ advance_seconds: 600 }),
    });
    assert.equal(moved.status, 200);
    const clock = await (await fetch(`${sb.endpoint}/_ferry/clock`)).json();
    const sandboxNow = Date.parse(clock.now);
    const yesterday = new Date(sandboxNow - 24 * 3600_000);
    yesterday.setUTCSeconds(0, 0);
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    const at = (minutes) => new Date(yesterday.getTime() + minutes * 60_000).toISOString();
    ok(aws(sb.endpoint, ['cloudwatch', 'put-metric-data', '--namespace', 'Baseline',
      '--metric-data', JSON.stringify([0, 1, 2].map((m) => ({
        MetricName: 'Duration', Unit: 'Milliseconds', Timestamp: at(m), Values: values,
        Dimensions: [{ Name: 'FunctionName', Value: 'orders' }],
      })))]));
    const read = (period, stat) => ok(aws(sb.endpoint, ['cloudwatch', 'get-metric-data',
      '--start-time', at(0), '--end-time', at(3), '--scan-by', 'TimestampAscending',
      '--metric-data-queries', JSON.stringify([{
        Id: 'd', MetricStat: {
          Metric: { Namespace: 'Baseline', MetricName: 'Duration',
            Dimensions: [{ Name: 'FunctionName', Value: 'orders' }] },
          Period: period, Stat: stat,
        },
      }])])).json.MetricDataResults[0];
    const p99 = read(60, 'p99');
    assert.equal(p99.StatusCode, 'Complete');
    assert.deepEqual(p99.Timestamps.map((t) => Date.parse(t)), [0, 1, 2].map((m) => Date.parse(at(m))));
    assert.ok(p99.Values.every((v) => v >= 98 && v <= 100), JSON.stringify(p99.Values));
    assert.deepEqual(read(60, 'SampleCount').Values, [100, 100, 100]);
    // Sub-minute periods are kept 3 hours: a day-old window at 20 s has no datapoints.
    assert.deepEqual(read(20, 'p99').Values, []);
    // More than two weeks before the sandbox clock is refused, whatever the host's clock says.
    const old = aws(sb.endpoint, ['cloudwatch', 'put-metric-data', '--namespace', 'Baseline',
      '--metric-name', 'Duration', '--value', '1',
      '--timestamp', new Date(sandboxNow - 15 * 24 * 3600_000).toISOString()]);
    assert.notEqual(old.status, 0);
    assert.match(old.stderr, /InvalidParameterValue/);
  } finally {
    await sb.stop();
  }
});
