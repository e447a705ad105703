// S3 conformance: the AWS SDK for JavaScript v3 (@aws-sdk/client-s3) against `ferry sandbox`.
import assert from 'node:assert/strict';
import http from 'node:http';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';

import {
  CopyObjectCommand, CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand,
  DeleteObjectsCommand, GetBucketVersioningCommand, GetObjectCommand, HeadBucketCommand,
  HeadObjectCommand, ListBucketsCommand, ListObjectVersionsCommand, ListObjectsV2Command,
  PutBucketVersioningCommand, PutObjectCommand, S3Client, paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

import { credentials, startSandbox } from './s3_support.mjs';

let sandbox;
let s3;

function client(options = {}) {
  return new S3Client({
    endpoint: sandbox.endpoint, region: 'us-east-1', credentials, forcePathStyle: true,
    maxAttempts: 1, ...options,
  });
}

before(async () => {
  sandbox = await startSandbox();
  s3 = client();
});
after(async () => { await sandbox?.stop(); });

async function rejectsWith(promise, name, status) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.name, name, `${e.name}: ${e.message}`);
    if (status) assert.equal(e.$metadata.httpStatusCode, status);
    return true;
  });
}

describe('buckets', () => {
  test('create, head, list, delete', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'sdk-bucket' }));
    const head = await s3.send(new HeadBucketCommand({ Bucket: 'sdk-bucket' }));
    assert.equal(head.BucketRegion, 'us-east-1');
    const list = await s3.send(new ListBucketsCommand({}));
    assert.ok(list.Buckets.some((b) => b.Name === 'sdk-bucket' && b.CreationDate instanceof Date));
    assert.match(list.Owner.ID, /^[0-9a-f]{64}$/);
    await s3.send(new DeleteBucketCommand({ Bucket: 'sdk-bucket' }));
    await rejectsWith(s3.send(new HeadBucketCommand({ Bucket: 'sdk-bucket' })), 'NotFound', 404);
  });

  test('errors', async () => {
    await rejectsWith(s3.send(new CreateBucketCommand({ Bucket: 'bad_name' })),
      'InvalidBucketName', 400);
    await rejectsWith(s3.send(new ListObjectsV2Command({ Bucket: 'no-such-bucket-here' })),
      'NoSuchBucket', 404);
    const eu = client({ region: 'eu-west-1' });
    // The SDK adds LocationConstraint itself outside us-east-1.
    await eu.send(new CreateBucketCommand({ Bucket: 'eu-implicit' }));
    assert.equal((await eu.send(new HeadBucketCommand({ Bucket: 'eu-implicit' }))).BucketRegion,
      'eu-west-1');
    await rejectsWith(eu.send(new CreateBucketCommand({
      Bucket: 'eu-mismatch', CreateBucketConfiguration: { LocationConstraint: 'ap-south-1' },
    })), 'IllegalLocationConstraintException', 400);
    await eu.send(new CreateBucketCommand({
      Bucket: 'eu-bucket', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
    }));
    await rejectsWith(eu.send(new CreateBucketCommand({
      Bucket: 'eu-bucket', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
    })), 'BucketAlreadyOwnedByYou', 409);
  });
});

describe('objects', () => {
  before(async () => { await s3.send(new CreateBucketCommand({ Bucket: 'objects' })); });

  test('put, get, head with metadata and ETag', async () => {
    const put = await s3.send(new PutObjectCommand({
      Bucket: 'objects', Key: 'hello.txt', Body: 'hello world', ContentType: 'text/plain',
      Metadata: { team: 'payments' }, CacheControl: 'max-age=60',
    }));
    assert.equal(put.ETag, '"5eb63bbbe01eeed093cb22bb8f5acdc3"');
    const got = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'hello.txt' }));
    assert.equal(await got.Body.transformToString(), 'hello world');
    assert.equal(got.ContentType, 'text/plain');
    assert.equal(got.ContentLength, 11);
    assert.deepEqual(got.Metadata, { team: 'payments' });
    assert.equal(got.CacheControl, 'max-age=60');
    assert.ok(got.LastModified instanceof Date);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'hello.txt' }));
    assert.equal(head.ContentLength, 11);
    assert.equal(head.ETag, put.ETag);
    await rejectsWith(s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'missing' })),
      'NoSuchKey', 404);
    await rejectsWith(s3.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'missing' })),
      'NotFound', 404);
  });

  test('flexible checksums, sent and validated by the SDK', async () => {
    for (const algorithm of ['CRC32', 'CRC32C', 'SHA1', 'SHA256']) {
      const key = `checksum-${algorithm}`;
      const put = await s3.send(new PutObjectCommand({
        Bucket: 'objects', Key: key, Body: `payload for ${algorithm}`,
        ChecksumAlgorithm: algorithm,
      }));
      assert.ok(put[`Checksum${algorithm}`], `${algorithm} echoed`);
      const got = await s3.send(new GetObjectCommand({
        Bucket: 'objects', Key: key, ChecksumMode: 'ENABLED',
      }));
      assert.equal(await got.Body.transformToString(), `payload for ${algorithm}`);
      assert.equal(got[`Checksum${algorithm}`], put[`Checksum${algorithm}`]);
    }
  });

  test('streaming upload (aws-chunked with a checksum trailer)', async () => {
    const data = Buffer.alloc(200 * 1024, 'z');
    await s3.send(new PutObjectCommand({
      Bucket: 'objects', Key: 'streamed.bin', Body: Readable.from([data.subarray(0, 70000),
        data.subarray(70000)]),
      ContentLength: data.length,
    }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'streamed.bin' }));
    const bytes = Buffer.from(await got.Body.transformToByteArray());
    assert.equal(bytes.length, data.length);
    assert.ok(bytes.equals(data));
  });

  test('ranges', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'digits', Body: '0123456789' }));
    const part = await s3.send(new GetObjectCommand({
      Bucket: 'objects', Key: 'digits', Range: 'bytes=2-5',
    }));
    assert.equal(await part.Body.transformToString(), '2345');
    assert.equal(part.ContentRange, 'bytes 2-5/10');
    const tail = await s3.send(new GetObjectCommand({
      Bucket: 'objects', Key: 'digits', Range: 'bytes=-3',
    }));
    assert.equal(await tail.Body.transformToString(), '789');
    await rejectsWith(s3.send(new GetObjectCommand({
      Bucket: 'objects', Key: 'digits', Range: 'bytes=50-60',
    })), 'InvalidRange', 416);
  });

  test('keys with spaces, unicode, plus signs and double slashes', async () => {
    const keys = ['with space.txt', 'unicodé/ключ/✓', 'a+b=c&d', 'double//slash', '../../etc/passwd',
      'percent%20literal'];
    for (const key of keys) {
      await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: key, Body: key }));
      const got = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: key }));
      assert.equal(await got.Body.transformToString(), key);
    }
    const list = await s3.send(new ListObjectsV2Command({ Bucket: 'objects' }));
    const listed = list.Contents.map((c) => c.Key);
    for (const key of keys) assert.ok(listed.includes(key), key);
  });

  test('copy and multi-delete', async () => {
    await s3.send(new CopyObjectCommand({
      Bucket: 'objects', Key: 'copy-of-hello', CopySource: 'objects/hello.txt',
    }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'copy-of-hello' }));
    assert.equal(await got.Body.transformToString(), 'hello world');
    const deleted = await s3.send(new DeleteObjectsCommand({
      Bucket: 'objects', Delete: { Objects: [{ Key: 'copy-of-hello' }, { Key: 'digits' }] },
    }));
    assert.equal(deleted.Deleted.length, 2);
    await rejectsWith(s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'digits' })),
      'NoSuchKey', 404);
  });
});

describe('listing', () => {
  before(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'listing' }));
    const keys = ['a', 'logs/2026/01', 'logs/2026/02', 'logs/2027/01', 'top/x', 'z'];
    for (let i = 0; i < 25; i++) keys.push(`many/${String(i).padStart(2, '0')}`);
    await Promise.all(keys.map((Key) => s3.send(new PutObjectCommand({
      Bucket: 'listing', Key, Body: Key,
    }))));
  });

  test('prefix and delimiter', async () => {
    const out = await s3.send(new ListObjectsV2Command({
      Bucket: 'listing', Prefix: 'logs/', Delimiter: '/',
    }));
    assert.deepEqual(out.CommonPrefixes.map((p) => p.Prefix), ['logs/2026/', 'logs/2027/']);
    assert.equal(out.Contents, undefined);
    assert.equal(out.KeyCount, 2);
    const root = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
    assert.deepEqual(root.Contents.map((c) => c.Key), ['a', 'z']);
    assert.deepEqual(root.CommonPrefixes.map((p) => p.Prefix), ['logs/', 'many/', 'top/']);
  });

  test('pagination with the SDK paginator', async () => {
    const keys = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 7 },
      { Bucket: 'listing', Prefix: 'many/' })) {
      pages++;
      keys.push(...page.Contents.map((c) => c.Key));
    }
    assert.equal(pages, 4);
    assert.equal(keys.length, 25);
    assert.deepEqual(keys, [...keys].sort());
    const after = await s3.send(new ListObjectsV2Command({
      Bucket: 'listing', StartAfter: 'many/20', Prefix: 'many/',
    }));
    assert.deepEqual(after.Contents.map((c) => c.Key), ['many/21', 'many/22', 'many/23', 'many/24']);
    await rejectsWith(s3.send(new ListObjectsV2Command({
      Bucket: 'listing', ContinuationToken: 'not-a-token',
    })), 'InvalidArgument', 400);
  });
});

describe('versioning', () => {
  test('versions, delete markers and versionId reads', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'versions' }));
    await s3.send(new PutBucketVersioningCommand({
      Bucket: 'versions', VersioningConfiguration: { Status: 'Enabled' },
    }));
    const status = await s3.send(new GetBucketVersioningCommand({ Bucket: 'versions' }));
    assert.equal(status.Status, 'Enabled');
    const v1 = await s3.send(new PutObjectCommand({ Bucket: 'versions', Key: 'k', Body: 'one' }));
    const v2 = await s3.send(new PutObjectCommand({ Bucket: 'versions', Key: 'k', Body: 'two' }));
    assert.ok(v1.VersionId && v2.VersionId && v1.VersionId !== v2.VersionId);
    const old = await s3.send(new GetObjectCommand({
      Bucket: 'versions', Key: 'k', VersionId: v1.VersionId,
    }));
    assert.equal(await old.Body.transformToString(), 'one');
    assert.equal(old.VersionId, v1.VersionId);
    const del = await s3.send(new DeleteObjectCommand({ Bucket: 'versions', Key: 'k' }));
    assert.equal(del.DeleteMarker, true);
    await rejectsWith(s3.send(new GetObjectCommand({ Bucket: 'versions', Key: 'k' })),
      'NoSuchKey', 404);
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: 'versions' }));
    assert.deepEqual(listed.Versions.map((v) => v.VersionId), [v2.VersionId, v1.VersionId]);
    assert.equal(listed.DeleteMarkers.length, 1);
    assert.equal(listed.DeleteMarkers[0].IsLatest, true);
    await s3.send(new DeleteObjectCommand({
      Bucket: 'versions', Key: 'k', VersionId: del.VersionId,
    }));
    const back = await s3.send(new GetObjectCommand({ Bucket: 'versions', Key: 'k' }));
    assert.equal(await back.Body.transformToString(), 'two');
  });
});

describe('virtual-hosted-style addressing', () => {
  test('bucket.localhost without forcePathStyle', async () => {
    const hosts = [];
    // Resolve every *.localhost name to loopback, as a resolver with RFC 6761 rules would.
    const agent = new http.Agent({
      lookup: (hostname, options, cb) => {
        hosts.push(hostname);
        if (options && options.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
        else cb(null, '127.0.0.1', 4);
      },
    });
    const vh = new S3Client({
      endpoint: `http://localhost:${sandbox.port}`, region: 'us-east-1', credentials,
      forcePathStyle: false, maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ httpAgent: agent }),
    });
    await vh.send(new CreateBucketCommand({ Bucket: 'vhost-bucket' }));
    await vh.send(new PutObjectCommand({ Bucket: 'vhost-bucket', Key: 'dir/file', Body: 'vh' }));
    const got = await vh.send(new GetObjectCommand({ Bucket: 'vhost-bucket', Key: 'dir/file' }));
    assert.equal(await got.Body.transformToString(), 'vh');
    const list = await vh.send(new ListObjectsV2Command({ Bucket: 'vhost-bucket' }));
    assert.deepEqual(list.Contents.map((c) => c.Key), ['dir/file']);
    assert.ok(hosts.includes('vhost-bucket.localhost'), hosts.join(','));
    // The same object through path-style addressing.
    const path = await s3.send(new GetObjectCommand({ Bucket: 'vhost-bucket', Key: 'dir/file' }));
    assert.equal(await path.Body.transformToString(), 'vh');
  });
});
