// Writes policies/accelerated.json from policies/standard.json: every duration divided by
// 86,400, so a day lasts one second (for demonstrations and end-to-end tests).
// Usage: tsx scripts/accelerate-policy.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'prettier';
import { formatDuration, parseDuration } from '../config/duration';
import { loadPolicy } from '../config/policy';

const FACTOR = 86_400;

export function accelerate(node: unknown): unknown {
  if (typeof node === 'string') {
    const ms = parseDuration(node);
    return ms === null ? node : formatDuration(ms / FACTOR);
  }
  if (Array.isArray(node)) return node.map(accelerate);
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, accelerate(value)]));
  }
  return node;
}

async function main() {
  const dir = join(__dirname, '..', 'policies');
  const standard = JSON.parse(readFileSync(join(dir, 'standard.json'), 'utf8')) as Record<string, unknown>;
  const accelerated = {
    ...(accelerate(standard) as Record<string, unknown>),
    version: String(standard.version).replace(/^standard/, 'accelerated'),
    title:
      'Accelerated policy: the standard policy with every duration divided by 86,400 (a day lasts one second)',
  };
  const target = join(dir, 'accelerated.json');
  writeFileSync(target, await format(JSON.stringify(accelerated), { parser: 'json', filepath: target }));
  loadPolicy(target);
  process.stdout.write(`wrote ${target}\n`);
}

if (require.main === module) void main();
