/**
 * Two projects run the same platform-neutral test files:
 * - `node`: every `test/**\/*.test.ts` except `*.browser.test.ts`;
 * - `chromium`: every `test/**\/*.test.ts` except `*.node.test.ts`, in real headless Chromium
 *   (Debian's `chromium`, driven through playwright with `executablePath`; no browser download).
 * Under CI=true a missing Chromium is an error; elsewhere the browser suite is skipped loudly.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';

const CHROMIUM_CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
const chromiumPath = CHROMIUM_CANDIDATES.find((p): p is string => !!p && existsSync(p));
const inCi = process.env.CI === 'true' || process.env.CI === '1';

if (!chromiumPath) {
  const message = 'Chromium not found (looked for $CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser); install Debian\'s `chromium` package';
  if (inCi) throw new Error(`${message}. Browser tests are mandatory under CI=true.`);
  const bar = '!'.repeat(100);
  console.warn(`\n${bar}\n!!! BROWSER TESTS SKIPPED: ${message}.\n${bar}\n`);
}

/** Runs test/helpers/digest-node.ts in a Node child process (with relaxed SIMD enabled). */
async function nodeDigest(_context: unknown, build: string, precision: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--experimental-wasm-relaxed-simd', '--import', 'tsx', 'test/helpers/digest-node.ts', build, precision],
    { maxBuffer: 64 * 2 ** 20 },
  );
  return stdout;
}

const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true as const,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.browser.test.ts'],
          pool: 'forks',
          execArgv: ['--experimental-wasm-relaxed-simd'],
        },
      },
      ...(chromiumPath
        ? [
            {
              extends: true as const,
              test: {
                name: 'chromium',
                include: ['test/**/*.test.ts'],
                exclude: ['test/**/*.node.test.ts'],
                browser: {
                  enabled: true,
                  headless: true,
                  screenshotFailures: false,
                  provider: playwright({ launchOptions: { executablePath: chromiumPath, args: CHROMIUM_ARGS } }),
                  instances: [{ browser: 'chromium' as const }],
                  commands: { nodeDigest },
                },
              },
            },
          ]
        : []),
    ],
  },
});
