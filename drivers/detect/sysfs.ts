/**
 * Reading sysfs, udev's database and /dev/serial/by-id, under roots that tests can move to a
 * fixture tree. Every read is best effort: a missing or unreadable file is `undefined`, never an
 * exception (sysfs changes while we read it when a module re-enumerates).
 */
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { DetectOptions } from './types.js';

export interface Roots {
  sys: string;
  udev: string;
  dev: string;
  proc: string;
}

/** The roots to read; with only `sysfsRoot` given, udev data, /dev and /proc are its siblings. */
export function rootsOf(opts: DetectOptions = {}): Roots {
  const given = resolve(opts.sysfsRoot ?? '/sys');
  // resolved, so the walk up from a port's resolved sysfs path stays recognisably under it
  const sys = real(given) ?? given;
  const top = dirname(given);
  return {
    sys,
    udev: resolve(opts.udevRoot ?? join(top, 'run', 'udev', 'data')),
    dev: resolve(opts.devRoot ?? join(top, 'dev')),
    proc: resolve(opts.procRoot ?? join(top, 'proc')),
  };
}

/** A sysfs attribute as trimmed text (attributes are small: read at most 4 KiB). */
export function attr(dir: string, name: string): string | undefined {
  try {
    const text = readFileSync(join(dir, name), 'utf8');
    return text.length > 4096 ? text.slice(0, 4096).trim() : text.trim();
  } catch {
    return undefined;
  }
}

export function list(dir: string): string[] {
  try {
    return readdirSync(dir).sort(naturalCompare);
  } catch {
    return [];
  }
}

export function real(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** Basename of a symlink's target (a `driver` link names the driver), if it is a link. */
export function linkName(path: string): string | undefined {
  try {
    return basename(readlinkSync(path));
  } catch {
    return undefined;
  }
}

/** Walks up from `start` (inclusive) to the first directory with the attribute `name`, staying under `stop`. */
export function upTo(start: string, name: string, stop: string): string | undefined {
  let dir = start;
  for (let i = 0; i < 16 && dir.startsWith(stop) && dir !== stop; i++) {
    if (attr(dir, name) !== undefined) return dir;
    dir = dirname(dir);
  }
  return undefined;
}

/** udev properties (E: lines) of one database entry: `c188:2`, `+usb:1-1.2:1.0`. */
export function udevProperties(roots: Roots, id: string): Record<string, string> {
  const props: Record<string, string> = {};
  let text: string;
  try {
    text = readFileSync(join(roots.udev, id), 'utf8');
  } catch {
    return props;
  }
  for (const line of text.split('\n').slice(0, 512)) {
    if (!line.startsWith('E:')) continue;
    const eq = line.indexOf('=');
    if (eq > 2) props[line.slice(2, eq)] = line.slice(eq + 1);
  }
  return props;
}

/** /dev/serial/by-id: kernel name (ttyUSB2) -> stable path. */
export function serialById(roots: Roots): Map<string, string> {
  const byId = new Map<string, string>();
  const dir = join(roots.dev, 'serial', 'by-id');
  for (const name of list(dir)) {
    const target = linkName(join(dir, name));
    if (target && !byId.has(target)) byId.set(target, join(dir, name));
  }
  return byId;
}

/** ttyUSB2 < ttyUSB10; 1-1.2 < 1-1.10. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
