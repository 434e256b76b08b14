// Small pieces every Pagure JSON shape uses.

/** Pagure's timestamps: epoch seconds, as a string of an integer. */
export function epochString(date: Date): string {
  return String(Math.floor(date.getTime() / 1000));
}

/** `<base>/<path>` without a doubled slash. */
export function fullUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path}`;
}
