import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The Node the README promises is the one package.json declares, and the one this suite runs on satisfies it. */
describe('the Node requirement', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

  it('is stated once, the same in package.json and the README', () => {
    const [, major, minor] = /^>=(\d+)\.(\d+)$/.exec(pkg.engines.node) ?? [];
    expect(major).toBeDefined();
    expect(readme).toContain(`Node ${major}.${minor} or newer`);
  });

  it('is met by the Node running the tests', () => {
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
    const [, needMajor, needMinor] = /^>=(\d+)\.(\d+)$/.exec(pkg.engines.node)!.map(Number) as [number, number, number];
    expect(major > needMajor || (major === needMajor && minor >= needMinor)).toBe(true);
  });
});
