/**
 * `npm run sdk:build`: builds the SDK package `@softland/client` (openapi/client) into
 * openapi/client/dist/: index.js and webhooks.js (ES2022 modules), their declarations, and
 * schema.d.ts copied as generated. Then `npm pack ./openapi/client` makes the tarball.
 *
 *   --out DIR    write a whole package directory instead (package.json, README.md, dist/),
 *                e.g. a temporary one, leaving openapi/client untouched
 *   --pack DEST  then `npm pack` it into DEST and print the tarball's path
 *
 * The sources import each other with `.ts` extensions (as the rest of the repository does);
 * the JavaScript gets `.js` (rewriteRelativeImportExtensions) and so do the declarations
 * (rewritten here), so a consumer needs no compiler flag.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SOURCE = join(ROOT, 'openapi/client');
const ENTRY_POINTS = ['index.ts', 'webhooks.ts'];
/** What dist/ must hold; each `exports` target of package.json is among them. */
const OUTPUTS = ['index.js', 'index.d.ts', 'webhooks.js', 'webhooks.d.ts', 'schema.d.ts'];

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2023.d.ts'],
  types: ['node'],
  typeRoots: [join(ROOT, 'node_modules/@types')],
  strict: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: true,
  isolatedModules: true,
  verbatimModuleSyntax: true,
  rewriteRelativeImportExtensions: true,
  declaration: true,
  rootDir: SOURCE,
  noEmitOnError: true,
  newLine: ts.NewLineKind.LineFeed,
};

/** `from './x.ts'` and `from './x.d.ts'` in a declaration → `from './x.js'` (what TypeScript resolves to x.d.ts). */
function rewriteDeclarationSpecifiers(text: string): string {
  return text.replace(/(\bfrom\s+|\bimport\s*\(\s*)(['"])(\.{1,2}\/[^'"]+?)(?:\.d)?\.ts\2/g, '$1$2$3.js$2');
}

export interface BuildResult {
  /** The package directory (holds package.json and dist/). */
  readonly packageDir: string;
  /** The tarball, with --pack. */
  readonly tarball?: string;
}

export function buildSdk({ out, pack }: { out?: string | undefined; pack?: string | undefined } = {}): BuildResult {
  const packageDir = out ? resolve(out) : SOURCE;
  const dist = join(packageDir, 'dist');
  const manifest = JSON.parse(readFileSync(join(SOURCE, 'package.json'), 'utf8')) as { version: string };
  const document = JSON.parse(readFileSync(join(ROOT, 'openapi/openapi.json'), 'utf8')) as { info: { version: string } };
  if (manifest.version !== document.info.version) {
    throw new Error(`openapi/client/package.json has version ${manifest.version} but the API document says ${document.info.version}: make them the same`);
  }

  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  const program = ts.createProgram(
    ENTRY_POINTS.map((file) => join(SOURCE, file)),
    { ...COMPILER_OPTIONS, outDir: dist },
  );
  const emitted = program.emit(undefined, (fileName, text, writeByteOrderMark) => {
    ts.sys.writeFile(fileName, fileName.endsWith('.d.ts') ? rewriteDeclarationSpecifiers(text) : text, writeByteOrderMark);
  });
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  if (diagnostics.length > 0) {
    const host: ts.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' };
    throw new Error(`the SDK does not compile:\n${ts.formatDiagnostics(diagnostics, host)}`);
  }
  // A declaration file is never emitted, only read: copy the generated types as they are.
  copyFileSync(join(SOURCE, 'schema.d.ts'), join(dist, 'schema.d.ts'));
  if (packageDir !== SOURCE) {
    for (const file of ['package.json', 'README.md']) copyFileSync(join(SOURCE, file), join(packageDir, file));
  }

  for (const file of OUTPUTS) {
    if (!existsSync(join(dist, file))) throw new Error(`the build did not write dist/${file}`);
    const text = readFileSync(join(dist, file), 'utf8');
    const stray = /\bfrom\s+['"]\.{1,2}\/[^'"]+\.ts['"]/.exec(text);
    if (stray) throw new Error(`dist/${file} still imports a .ts file: ${stray[0]}`);
  }

  if (!pack) return { packageDir };
  mkdirSync(pack, { recursive: true });
  const packed = JSON.parse(
    execFileSync('npm', ['pack', packageDir, '--pack-destination', resolve(pack), '--json', '--silent', '--ignore-scripts'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
  ) as Array<{ filename: string }>;
  return { packageDir, tarball: join(resolve(pack), packed[0]!.filename) };
}

function main(): void {
  const { values } = parseArgs({ options: { out: { type: 'string' }, pack: { type: 'string' } }, strict: true });
  const { packageDir, tarball } = buildSdk(values);
  console.log(`built ${join(packageDir, 'dist')}`);
  if (tarball) console.log(tarball);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
