import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { DirectorySink } from '../../../src/storage/directory.js';
import { isS3Location, openSink } from '../../../src/storage/open.js';
import { S3Sink } from '../../../src/storage/s3.js';

const S3 = {
  endpoint: 'http://127.0.0.1:1',
  region: 'us-east-1',
  pathStyle: true,
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
};

describe('openSink', () => {
  test('s3:// locations open an S3 sink with the settings given', () => {
    expect(isS3Location('s3://releases/lix')).toBe(true);
    const sink = openSink('s3://releases/lix', '/work', S3);
    expect(sink).toBeInstanceOf(S3Sink);
    expect(sink.location).toBe('s3://releases/lix');
  });

  test('anything else is a directory, relative to the working directory', () => {
    expect(isS3Location('out/releases')).toBe(false);
    const sink = openSink('out/releases', '/work', S3);
    expect(sink).toBeInstanceOf(DirectorySink);
    expect(sink.location).toBe(path.resolve('/work/out/releases'));
    expect(openSink('/abs/dir', '/work').location).toBe('/abs/dir');
  });

  test('an S3 location without S3 settings is a bug in the caller', () => {
    expect(() => openSink('s3://releases', '/work')).toThrow('openSink: s3://releases needs S3 settings');
  });
});
