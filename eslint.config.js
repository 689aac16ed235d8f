// @ts-check
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettierConfig from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/**
 * Folder faces: a module reaches another folder of src/ only through that folder's index.ts
 * (or a sub-folder's index.ts). Imports inside a folder and of top-level src/*.ts are free.
 * The core `no-restricted-imports` rule expresses this with one regex per directory depth, so no
 * resolver plugin (eslint-plugin-import / boundaries) is needed: a relative specifier that climbs
 * exactly out of the importer's top folder and then descends into a folder must end in index.js.
 * It checks static imports and `export … from`; dynamic `import()` is not checked.
 */
function facesRule(depth) {
  const climb = depth === 0 ? '\\./' : '(?:\\.\\./)'.repeat(depth);
  return [
    'error',
    {
      patterns: [
        {
          regex: `^${climb}(?!\\.\\./)[^/]+/(?!(?:[^/]+/)*index\\.js$)`,
          message: 'Import another src folder through its index.ts (its public face), not its internals.',
        },
      ],
    },
  ];
}

export default defineConfig(
  { ignores: ['dist/**', 'node_modules/**', 'runs/**'] },
  {
    files: ['src/**/*.ts'],
    extends: [eslint.configs.recommended, tseslint.configs.recommended, prettierConfig],
    rules: {
      // `const { dropped: _dropped, ...rest } = options` is how options are stripped here.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  ...[0, 1, 2, 3].map((depth) => ({
    files: [`src/${'*/'.repeat(depth)}*.ts`],
    rules: { 'no-restricted-imports': facesRule(depth) },
  })),
);
