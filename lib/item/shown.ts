const MAX_SHOWN = 80

/** An attribute name from a stored item, for an error message: quoted, control characters escaped, bounded. */
export function shown(name: string): string {
  return JSON.stringify(name.length > MAX_SHOWN ? `${name.slice(0, MAX_SHOWN)}…` : name)
}
