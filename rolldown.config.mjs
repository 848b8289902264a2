// The JavaScript of dist/ (`npm run build`; the .d.ts files still come from tsc): the sources
// bundled, one file per entry point, code shared between entry points in chunks/. WHY bundled: a
// process that imports nldb spent ~80 ms loading the ~190 small modules tsc emits, one file each;
// the same code in a few chunks loads in about half that. The sources stay small files.
import { dirname, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'rolldown';

const ROOT = dirname(fileURLToPath(import.meta.url));

/**
 * Files that modules find relative to their own URL (`new URL(path, import.meta.url)`) rather than
 * by importing them. In a bundle, import.meta.url is the URL of the chunk the module lands in, so
 * the build checks that `path` names the same file from that chunk as from the module's place in
 * src/ (dist/ mirrors src/). A module doing this that is not listed here fails the build.
 */
const FOUND_BY_URL = {
  // nldb's version, for --version.
  'src/cli/cli.ts': '../../package.json',
};

const srcPath = (id) => relative(ROOT, id).split(sep).join('/');

/** The check described at FOUND_BY_URL. */
const foundByUrl = {
  name: 'nldb:found-by-url',
  transform(code, id) {
    if (/new URL\([^)]*import\.meta\.url/.test(code) && !(srcPath(id) in FOUND_BY_URL)) {
      this.error(`${srcPath(id)} locates a file by new URL(..., import.meta.url): list it in FOUND_BY_URL (rolldown.config.mjs)`);
    }
    return null;
  },
  generateBundle(_options, bundle) {
    for (const chunk of Object.values(bundle)) {
      if (chunk.type !== 'chunk') continue;
      for (const id of chunk.moduleIds) {
        const path = FOUND_BY_URL[srcPath(id)];
        if (path === undefined) continue;
        const want = posix.join(posix.dirname(srcPath(id).replace(/^src\//, '')), path);
        const got = posix.join(posix.dirname(chunk.fileName), path);
        if (got !== want) this.error(`${srcPath(id)} landed in dist/${chunk.fileName}, where ${path} is dist/${got}, not dist/${want}`);
      }
    }
  },
};

export default defineConfig({
  // The entry points keep the paths package.json ("exports", "bin") and the tests use.
  input: {
    'index': 'src/index.ts',
    'messages/index': 'src/messages/index.ts',
    'transport/index': 'src/transport/index.ts',
    'iproute/index': 'src/iproute/index.ts',
    'cli/main': 'src/cli/main.ts',
  },
  platform: 'node',
  // Every package (koffi, better-sqlite3, rxjs, immer, yaml) and every node: builtin is loaded
  // from node_modules at run time, as before: only nldb's own modules are bundled.
  external: (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0'),
  // The sources import './x.js' and mean './x.ts', as tsc's NodeNext resolution does.
  resolve: { extensionAlias: { '.js': ['.ts', '.js'] } },
  plugins: [foundByUrl],
  output: {
    dir: 'dist',
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: 'chunks/[name]-[hash].js',
    // Readable output: nothing minified, chunks export their bindings under their own names.
    // It matters: src/store/writer.ts hands decodePart's source text to a worker thread.
    minify: false,
    minifyInternalExports: false,
    // No doc comments (the .d.ts files have them, the source maps lead to the sources), and only
    // ASCII (other characters escaped): V8 keeps each chunk's source text in the heap, two bytes a
    // character when one character is not Latin-1. Importing nldb then holds 2.6 MB instead of
    // 3.4 MB (after a full collection) and takes about 39 ms instead of 40 (8 runs each).
    comments: { jsdoc: false, legal: true, annotation: true },
    charset: 'ascii',
    sourcemap: true,
    // No module of an earlier build (tsc's one file per source) is left behind to be imported.
    cleanDir: true,
  },
});
