import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { npzEntries, NpzFormatError } from './npz.js';

/** A zip archive as numpy writes one: local headers, then the central directory and its end record. */
function zip(entries: { name: string; data: Uint8Array; deflate?: boolean }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const directory: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = new TextEncoder().encode(entry.name);
    const stored = entry.deflate ? new Uint8Array(deflateRawSync(entry.data)) : entry.data;
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(8, entry.deflate ? 8 : 0, true);
    lv.setUint32(18, stored.length, true);
    lv.setUint32(22, entry.data.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const central = new Uint8Array(46 + name.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(10, entry.deflate ? 8 : 0, true);
    cv.setUint32(20, stored.length, true);
    cv.setUint32(24, entry.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    central.set(name, 46);
    parts.push(local, stored);
    directory.push(central);
    offset += local.length + stored.length;
  }
  const directorySize = directory.reduce((n, d) => n + d.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, directorySize, true);
  ev.setUint32(16, offset, true);
  const all = [...parts, ...directory, end];
  const out = new Uint8Array(all.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of all) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

test('npzEntries lists stored and deflated entries in directory order, with their declared sizes', () => {
  const a = Uint8Array.from({ length: 40 }, (_, i) => i);
  const b = new Uint8Array(300).fill(7);
  const entries = npzEntries(zip([{ name: 'x.npy', data: a }, { name: 'arr_1.npy', data: b, deflate: true }]));
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
  const good = zip([{ name: 'x.npy', data: new Uint8Array(64) }]);
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
