/** Numbers in titles, as people read them: 100,000. */
export function n(value: number): string {
  return value.toLocaleString('en-US');
}
