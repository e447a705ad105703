// S3 conformance: the AWS CLI v2 (`aws s3api`, `aws s3`) against `ferry sandbox`.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { aws, startSandbox, tempDir } from './s3_support.mjs';

let sandbox;
let dir;
const run = (...args) => aws(sandbox.endpoint, args);

function ok(r) {
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}`);
  return r;
}

function fails(r, code) {
  assert.notEqual(r.status, 0, r.stdout);
  assert.match(r.stderr, new RegExp(`\\(${code}\\)`), r.stderr);
}

before(async () => {
  sandbox = await startSandbox();
  dir = tempDir('ferry-s3-cli-');
});
after(async () => {
  await sandbox?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('s3api object lifecycle', () => {
  ok(run('s3api', 'create-bucket', '--bucket', 'cli-bucket'));
  const file = path.join(dir, 'hello.txt');
  fs.writeFileSync(file, 'hello from the cli');
  const put = ok(run('s3api', 'put-object', '--bucket', 'cli-bucket', '--key', 'docs/hello.txt',
    '--body', file, '--content-type', 'text/plain', '--metadata', 'stage=rehearsal')).json;
  assert.match(put.ETag, /^"[0-9a-f]{32}"$/);
  const head = ok(run('s3api', 'head-object', '--bucket', 'cli-bucket', '--key',
    'docs/hello.txt')).json;
  assert.equal(head.ContentLength, 18);
  assert.equal(head.ContentType, 'text/plain');
  assert.deepEqual(head.Metadata, { stage: 'rehearsal' });
  const out = path.join(dir, 'out.txt');
  const get = ok(run('s3api', 'get-object', '--bucket', 'cli-bucket', '--key', 'docs/hello.txt',
    '--range', 'bytes=0-3', out)).json;
  assert.equal(get.ContentRange, 'bytes 0-3/18');
  assert.equal(fs.readFileSync(out, 'utf8'), 'hell');
  const list = ok(run('s3api', 'list-objects-v2', '--bucket', 'cli-bucket', '--prefix', 'docs/',
    '--delimiter', '/')).json;
  assert.deepEqual(list.Contents.map((c) => c.Key), ['docs/hello.txt']);
  ok(run('s3api', 'delete-object', '--bucket', 'cli-bucket', '--key', 'docs/hello.txt'));
  fails(run('s3api', 'head-object', '--bucket', 'cli-bucket', '--key', 'docs/hello.txt'), '404');
  fails(run('s3api', 'get-object', '--bucket', 'cli-bucket', '--key', 'nope', out), 'NoSuchKey');
  fails(run('s3api', 'create-bucket', '--bucket', 'Bad_Bucket'), 'InvalidBucketName');
  fails(run('s3api', 'list-objects-v2', '--bucket', 'missing-bucket'), 'NoSuchBucket');
});

test('s3api pagination is followed by the CLI', () => {
  ok(run('s3api', 'create-bucket', '--bucket', 'cli-pages'));
  const file = path.join(dir, 'small');
  fs.writeFileSync(file, 'x');
  for (let i = 0; i < 12; i++) {
    ok(run('s3api', 'put-object', '--bucket', 'cli-pages', '--key', `k/${i}`, '--body', file));
  }
  const all = ok(run('s3api', 'list-objects-v2', '--bucket', 'cli-pages', '--page-size', '5')).json;
  assert.equal(all.Contents.length, 12);
  const versions = ok(run('s3api', 'list-object-versions', '--bucket', 'cli-pages',
    '--page-size', '5')).json;
  assert.equal(versions.Versions.length, 12);
  assert.ok(versions.Versions.every((v) => v.VersionId === 'null'));
});

test('s3api versioning', () => {
  ok(run('s3api', 'create-bucket', '--bucket', 'cli-versions'));
  ok(run('s3api', 'put-bucket-versioning', '--bucket', 'cli-versions',
    '--versioning-configuration', 'Status=Enabled'));
  assert.equal(ok(run('s3api', 'get-bucket-versioning', '--bucket', 'cli-versions')).json.Status,
    'Enabled');
  const file = path.join(dir, 'v');
  fs.writeFileSync(file, 'v1');
  const v1 = ok(run('s3api', 'put-object', '--bucket', 'cli-versions', '--key', 'k', '--body',
    file)).json.VersionId;
  fs.writeFileSync(file, 'v2');
  ok(run('s3api', 'put-object', '--bucket', 'cli-versions', '--key', 'k', '--body', file));
  const out = path.join(dir, 'v-out');
  ok(run('s3api', 'get-object', '--bucket', 'cli-versions', '--key', 'k', '--version-id', v1, out));
  assert.equal(fs.readFileSync(out, 'utf8'), 'v1');
  const del = ok(run('s3api', 'delete-object', '--bucket', 'cli-versions', '--key', 'k')).json;
  assert.equal(del.DeleteMarker, true);
  const listed = ok(run('s3api', 'list-object-versions', '--bucket', 'cli-versions')).json;
  assert.equal(listed.Versions.length, 2);
  assert.equal(listed.DeleteMarkers.length, 1);
  fails(run('s3api', 'head-object', '--bucket', 'cli-versions', '--key', 'k', '--version-id',
    del.VersionId), '405');
});

test('aws s3 cp, ls, and rm --recursive', () => {
  ok(run('s3', 'mb', 's3://cli-high-level'));
  const tree = path.join(dir, 'tree');
  fs.mkdirSync(path.join(tree, 'sub dir'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'a.txt'), 'A');
  fs.writeFileSync(path.join(tree, 'sub dir', 'b+c.txt'), 'BC');
  fs.writeFileSync(path.join(tree, 'big.bin'), Buffer.alloc(3 * 1024 * 1024, 7));
  ok(run('s3', 'cp', '--recursive', tree, 's3://cli-high-level/tree/'));
  const ls = ok(run('s3', 'ls', '--recursive', 's3://cli-high-level/')).stdout;
  assert.match(ls, /tree\/a\.txt/);
  assert.match(ls, /tree\/sub dir\/b\+c\.txt/);
  assert.match(ls, /3145728 tree\/big\.bin/);
  const top = ok(run('s3', 'ls', 's3://cli-high-level/tree/')).stdout;
  assert.match(top, /PRE sub dir\//);
  const back = path.join(dir, 'back.txt');
  ok(run('s3', 'cp', 's3://cli-high-level/tree/sub dir/b+c.txt', back));
  assert.equal(fs.readFileSync(back, 'utf8'), 'BC');
  const bigBack = path.join(dir, 'big-back.bin');
  ok(run('s3', 'cp', 's3://cli-high-level/tree/big.bin', bigBack));
  assert.ok(fs.readFileSync(bigBack).equals(Buffer.alloc(3 * 1024 * 1024, 7)));
  const rm = ok(run('s3', 'rm', '--recursive', 's3://cli-high-level/tree/')).stdout;
  assert.match(rm, /delete: s3:\/\/cli-high-level\/tree\/a\.txt/);
  assert.equal(ok(run('s3', 'ls', '--recursive', 's3://cli-high-level/')).stdout.trim(), '');
  ok(run('s3', 'rb', 's3://cli-high-level'));
});

test('aws s3 cp of a file past the multipart threshold', () => {
  ok(run('s3', 'mb', 's3://cli-multipart'));
  const file = path.join(dir, 'nine-mib.bin');
  const data = Buffer.alloc(9 * 1024 * 1024);
  for (let i = 0; i < data.length; i += 4096) data[i] = i % 251;
  fs.writeFileSync(file, data);
  ok(run('s3', 'cp', file, 's3://cli-multipart/big.bin'));
  const head = ok(run('s3api', 'head-object', '--bucket', 'cli-multipart', '--key', 'big.bin')).json;
  assert.equal(head.ContentLength, data.length);
  assert.match(head.ETag, /^"[0-9a-f]{32}-2"$/);
  const out = path.join(dir, 'nine-back.bin');
  ok(run('s3api', 'get-object', '--bucket', 'cli-multipart', '--key', 'big.bin', out));
  assert.ok(fs.readFileSync(out).equals(data));
});

test('--data keeps buckets and objects across a restart', async () => {
  const data = tempDir('ferry-s3-data-');
  try {
    let sb = await startSandbox(['--data', data]);
    const file = path.join(dir, 'persist.txt');
    fs.writeFileSync(file, 'still here');
    ok(aws(sb.endpoint, ['s3api', 'create-bucket', '--bucket', 'durable']));
    ok(aws(sb.endpoint, ['s3api', 'put-object', '--bucket', 'durable', '--key', 'a/b c.txt',
      '--body', file]));
    await sb.stop();
    sb = await startSandbox(['--data', data]);
    const out = path.join(dir, 'persist-back.txt');
    ok(aws(sb.endpoint, ['s3api', 'get-object', '--bucket', 'durable', '--key', 'a/b c.txt', out]));
    assert.equal(fs.readFileSync(out, 'utf8'), 'still here');
    await sb.stop();
  } finally {
    fs.rmSync(data, { recursive: true, force: true });
  }
});
