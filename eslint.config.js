// ESLint (flat config): `npm run lint` runs it, then `prettier --check .` for formatting
// (these rules are about correctness only; layout is Prettier's, see .prettierrc.json).
import js from '@eslint/js'
import { defineConfig } from 'eslint/config'
import tseslint from 'typescript-eslint'

/** The Node globals plain JavaScript files here use (TypeScript files get them from @types/node). */
const nodeGlobals = Object.fromEntries(
  ['process', 'console', 'URL', 'Buffer', 'setTimeout', 'clearTimeout', 'setImmediate', 'structuredClone'].map((g) => [g, 'readonly'])
)

export default defineConfig(
  {
    ignores: ['node_modules/', 'dist/', '.tmp/', 'docs/api/', 'coverage/', 'bench/results.json']
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // Type information from tsconfig.json (plain JavaScript files are linted without it, below).
        projectService: true,
        tsconfigRootDir: import.meta.dirname
      }
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_` marks what is deliberately unused: `const { log: _, ...rest } = db`, `(_, i) => ...`.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }
      ],
      // Type imports are spelled `import type` (tsconfig's verbatimModuleSyntax needs it too).
      // (`import('...').T` in a type position stays allowed, as the code uses it.)
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports', disallowTypeAnnotations: false }],
      // Thrown on purpose without being Errors: DbError values (plain data: the one documented
      // throw, from an iterating stream, and internal unwinding caught back into a Left) and the
      // light failure classes that carry them out of loops and callbacks (no stack to capture).
      '@typescript-eslint/only-throw-error': [
        'error',
        {
          allow: [
            {
              from: 'file',
              name: [
                'DbError',
                'SqliteError',
                'ConstraintError',
                'BusyError',
                'ConnectionError',
                'ValidationError',
                'DecodeError',
                'NotFound',
                'TooManyRows',
                'MigrationError',
                'UnexpectedError',
                'CompileFailure',
                'RowDecodeFailure',
                'CodecThrew',
                'StepFailure'
              ]
            }
          ]
        }
      ]
    }
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: nodeGlobals }
  }
)
