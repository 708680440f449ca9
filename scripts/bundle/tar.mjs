// A small, deterministic ustar writer for the release bundle: entries sorted by path, owner
// root:root, one fixed mtime, gzip with zlib. Enough for regular files and directories; it keeps
// the bundle build independent of the platform's tar flavour (GNU, bsdtar, busybox).
import { gzipSync } from 'node:zlib';

const BLOCK = 512;

/** @param {Buffer} buf @param {number} offset @param {number} length @param {string} text */
function putString(buf, offset, length, text) {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > length) throw new Error(`tar: "${text}" does not fit in ${length} bytes`);
  bytes.copy(buf, offset);
}

/** Octal number, zero-padded, NUL-terminated, in a field of `length` bytes. */
function putOctal(buf, offset, length, value) {
  const text = Math.floor(value).toString(8);
  if (text.length > length - 1) throw new Error(`tar: ${value} does not fit in a ${length}-byte field`);
  putString(buf, offset, length, text.padStart(length - 1, '0') + '\0');
}

/** Splits a path into ustar `prefix` (<= 155 bytes) and `name` (<= 100 bytes) at a slash. */
function splitPath(path) {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { prefix, name };
  }
  throw new Error(`tar: path too long for ustar: ${path}`);
}

function header({ path, mode, size, mtime, type }) {
  const h = Buffer.alloc(BLOCK);
  const { prefix, name } = splitPath(path);
  putString(h, 0, 100, name);
  putOctal(h, 100, 8, mode);
  putOctal(h, 108, 8, 0); // uid
  putOctal(h, 116, 8, 0); // gid
  putOctal(h, 124, 12, size);
  putOctal(h, 136, 12, mtime);
  h.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  putString(h, 156, 1, type);
  putString(h, 257, 6, 'ustar\0');
  putString(h, 263, 2, '00');
  putString(h, 265, 32, 'root');
  putString(h, 297, 32, 'root');
  putString(h, 345, 155, prefix);
  let sum = 0;
  for (const b of h) sum += b;
  putString(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}

/**
 * Builds a gzip-compressed tar of `files` (paths relative to the archive root, '/'-separated).
 * Parent directories are added automatically (mode 0755).
 * @param {{ path: string, data: Uint8Array, mode: number }[]} files
 * @param {{ mtime: number }} opts mtime in seconds since the epoch, the same for every entry
 * @returns {Buffer}
 */
export function tarGz(files, { mtime }) {
  const dirs = new Set();
  for (const f of files) {
    if (f.path.startsWith('/') || f.path.split('/').includes('..')) throw new Error(`tar: unsafe path ${f.path}`);
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/') + '/');
  }
  const entries = [
    ...[...dirs].map((d) => ({ path: d, data: new Uint8Array(0), mode: 0o755, type: '5' })),
    ...files.map((f) => ({ ...f, type: '0' })),
  ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const chunks = [];
  for (const e of entries) {
    chunks.push(header({ path: e.path, mode: e.mode, size: e.data.length, mtime, type: e.type }));
    if (e.data.length > 0) {
      chunks.push(Buffer.from(e.data.buffer, e.data.byteOffset, e.data.length));
      const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK;
      if (pad) chunks.push(Buffer.alloc(pad));
    }
  }
  chunks.push(Buffer.alloc(BLOCK * 2)); // end of archive
  return gzipSync(Buffer.concat(chunks), { level: 9 });
}
