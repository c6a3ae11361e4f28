/**
 * Where the browser tests find Chromium: Debian's, at /usr/bin/chromium
 * (`apt-get install -y chromium`). A test without it is skipped, and says so.
 *
 * @module
 */

/** Debian's Chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether Chromium is installed; warns, naming `test`, that it is skipped when not. */
export function haveChromium(test: string): boolean {
  try {
    if (Deno.statSync(CHROMIUM).isFile) return true;
  } catch {
    // not installed
  }
  console.warn(`${test}: SKIPPED, no browser at ${CHROMIUM} (apt-get install -y chromium)`);
  return false;
}
