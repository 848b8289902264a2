/** Shared test helpers: re-exports of the package under test and a WIRE metadata finder. */
import { WIRE } from '../../src/messages/index.js';
export * from '../../src/messages/index.js';

/** Every WIRE metadata record inside a decoded value, with its path (for assertions). */
export function getWireForTest(o: unknown, path = '$', out: string[] = []): string[] {
  if (o === null || typeof o !== 'object' || Buffer.isBuffer(o)) return out;
  const m = (o as { [WIRE]?: unknown })[WIRE];
  if (m !== undefined) out.push(`${path}: ${JSON.stringify(m)}`);
  for (const [k, v] of Object.entries(o)) getWireForTest(v, `${path}.${k}`, out);
  return out;
}
