import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One static asset of the desk or the reference page. */
export interface DeskAsset {
  readonly body: Uint8Array;
  readonly type: string;
  /** Named by its content's hash: cached for a year. Pages are not (they name the current assets). */
  readonly immutable: boolean;
}

/** Request path (`/desk`, `/docs`, `/desk/assets/desk-1a2b….js`) → asset. */
export type DeskAssets = ReadonlyMap<string, DeskAsset>;

/** Where the assets come from, asked once, on the first page request (an API that only answers /v1 never loads them). */
export type DeskAssetSource = () => Promise<DeskAssets | undefined>;

/** The file, beside the assets, that maps paths to files (written by desk/build.ts). */
export const DESK_MANIFEST = 'manifest.json';

export type DeskManifest = Record<string, { file: string; type: string; immutable: boolean }>;

/**
 * The assets desk/build.ts wrote to `dir` (the API Lambda's bundle carries them in `desk/`);
 * undefined when there are none, and the pages then answer 404.
 */
export function readDeskAssets(dir: string): DeskAssets | undefined {
  const manifestFile = join(dir, DESK_MANIFEST);
  if (!existsSync(manifestFile)) return undefined;
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as DeskManifest;
  return new Map(Object.entries(manifest).map(([path, m]) => [path, { body: readFileSync(join(dir, m.file)), type: m.type, immutable: m.immutable }]));
}
