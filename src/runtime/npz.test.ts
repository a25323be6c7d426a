import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { zipArchive } from '../../test/numpy-files.js';
import { npzEntries, NpzFormatError } from './npz.js';

test('npzEntries lists stored and deflated entries in directory order, with their declared sizes', () => {
  const a = Uint8Array.from({ length: 40 }, (_, i) => i);
  const b = new Uint8Array(300).fill(7);
  const entries = npzEntries(zipArchive([{ name: 'x.npy', content: a }, { name: 'arr_1.npy', content: b, deflate: true }]));
  assert.deepEqual(entries.map((e) => [e.name, e.method, e.uncompressedSize]), [['x.npy', 0, 40], ['arr_1.npy', 8, 300]]);
  assert.deepEqual([...entries[0]!.stored], [...a]);
  assert.deepEqual(new Uint8Array(deflateRawSync(b)), entries[1]!.stored);
});

test('npzEntries tells bytes that are no zip from a damaged zip', () => {
  const kind = (bytes: Uint8Array) => {
    try {
      npzEntries(bytes);
      return 'read';
    } catch (error) {
      assert.ok(error instanceof NpzFormatError);
      return `${error.kind}: ${error.message}`;
    }
  };
  assert.equal(kind(new TextEncoder().encode('just some text, long enough to search for an end record')), 'notZip: no zip central directory');
  const good = zipArchive([{ name: 'x.npy', content: new Uint8Array(64) }]);
  // The end record points its directory past the file's end.
  const moved = good.slice();
  new DataView(moved.buffer).setUint32(moved.length - 22 + 16, moved.length + 5, true);
  assert.equal(kind(moved), 'damaged: central directory entry 0 is out of place');
  // The entry claims more data than the file holds.
  const long = good.slice();
  const directory = new DataView(long.buffer).getUint32(long.length - 22 + 16, true);
  new DataView(long.buffer).setUint32(directory + 20, 10_000, true);
  assert.equal(kind(long), 'damaged: entry x.npy runs past the end of the file');
});
