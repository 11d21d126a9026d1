/** Vitest global setup: generates the tiny test models when they are missing. */
export default async function setup(): Promise<void> {
  // Filled in by the fixture generator (test/fixtures).
}
